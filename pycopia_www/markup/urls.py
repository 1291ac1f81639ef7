"""URLs in attributes: plain strings, or targets that a resolver (the web layer's get_url, for
the request being answered: see context.py) turns into URLs, and a refusal of script-running
schemes (javascript:, vbscript:, data: but images), read the way a browser reads them.

    node.add_anchor("/help.html", "Help")            # a string is used as it is
    node.add_anchor(url("home"), "Home")             # -> get_url("home")
    node.add_anchor(url("row", table="t", row=3), "Row 3")   # -> get_url("row", table="t", row=3)
    node.add_anchor(views.index, "Home")             # any non-string -> get_url(views.index)
"""
import re

from . import context
from .errors import MarkupError

# Attributes whose value is a URL, in either dialect.
URL_ATTRIBUTES = frozenset({"href", "src", "action", "cite", "longdesc", "data", "formaction",
                            "poster", "usemap", "classid", "codebase", "profile"})
# How a browser reads a URL (the WHATWG URL standard): leading and trailing C0 controls and spaces
# are stripped, tabs and newlines removed anywhere, then a scheme is an ASCII letter followed by
# letters, digits, "+", "-" or "." up to the first ":". Anything else is a relative URL.
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "livescript", "mocha"})
# data: URLs may hold a page (and its script); raster images cannot run anything.
_IMAGE_TYPES = frozenset({"image/png", "image/gif", "image/jpeg", "image/webp"})


class url:
    """A URL target to be resolved when it is put into the page: url(name_or_handler, ...)."""
    __slots__ = ("target", "args", "kwargs")

    def __init__(self, target, *args, **kwargs):
        self.target = target
        self.args = args
        self.kwargs = kwargs

    def __repr__(self):
        return f"url({self.target!r}, *{self.args!r}, **{self.kwargs!r})"


def resolve(value, resolver=None):
    """The URL string for `value`: a string as it is, anything else through the resolver."""
    if not isinstance(value, str):
        resolver = resolver or context.current().url_resolver
        if resolver is None:
            raise MarkupError(f"{value!r} is a URL target but no URL resolver is installed "
                              "(the web layer installs get_url for each request; elsewhere call "
                              "pycopia_www.markup.set_url_resolver(get_url))")
        if isinstance(value, url):
            value = resolver(value.target, *value.args, **value.kwargs)
        else:
            value = resolver(value)
        value = str(value)
    check_scheme(value)
    return value


def browser_view(value: str) -> str:
    """`value` as a browser's URL parser sees it before reading the scheme."""
    return value.strip(_C0_OR_SPACE).translate(_TAB_OR_NEWLINE)


def scheme_of(value: str) -> str | None:
    """The lower-case scheme a browser finds in `value`, or None for a relative URL."""
    match = _SCHEME.match(browser_view(value))
    return match.group(0)[:-1].lower() if match else None


def is_same_site(value: str) -> bool:
    """Whether a browser resolves `value` against the page's own origin: no scheme, and no
    "//host" (a browser reads a backslash as a slash there)."""
    return scheme_of(value) is None and not browser_view(value).replace("\\", "/").startswith("//")


def check_scheme(value: str) -> None:
    """Refuse a URL that runs script when followed or loaded: javascript: and its kind, and data:
    unless it is a raster image. Judged as a browser parses it, however it is disguised."""
    if value[:1] == "/":    # a path (what get_url gives): a browser reads no scheme in it
        return
    scheme = scheme_of(value)
    if scheme in _SCRIPT_SCHEMES:
        raise MarkupError(f"refusing a script URL {value[:60]!r}: attach behaviour from a script file")
    if scheme == "data":
        media_type = browser_view(value)[5:].split(",", 1)[0].split(";", 1)[0]
        if media_type.strip(" \t\n\f\r").lower() not in _IMAGE_TYPES:
            raise MarkupError(f"refusing a data: URL that is not a PNG, GIF, JPEG or WebP image "
                              f"{value[:60]!r}: serve the content from a URL of its own")
