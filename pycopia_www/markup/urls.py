"""URLs in attributes: plain strings, or targets that a resolver (the web layer's get_url, for
the request being answered: see context.py) turns into URLs, and a refusal of script-running
schemes.

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
# Browsers ignore ASCII whitespace and controls inside a scheme ("java\tscript:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]+")
_SCRIPT_SCHEMES = ("javascript:", "vbscript:")


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


def check_scheme(value):
    head = _IGNORED_IN_SCHEME.sub("", value[:40]).lower()
    if head.startswith(_SCRIPT_SCHEMES):
        raise MarkupError(f"refusing a script URL {value[:40]!r}: attach behaviour from a script file")
