"""Building one route's URL from parameters, and proving it leads back to that route.

Each placed route gets a ReverseEntry when the URL map is built: its template as two %-formats
(one percent-encoded for the URL, one plain for matching), and the list of things that could
take the URL away from it, pruned by literal prefix: static directories, backends earlier in
lighttpd's routing order, earlier routes of its own backend. At call time the plain path is
matched against the route's regex (the groups must give back exactly the parameters' text),
then against what is left of that list. A route without parameters is settled once, at build.
"""
import re
from urllib.parse import quote

from .convert import to_text
from .template import NotReversible, compile_template, may_share_prefix, required_prefixes

# Path characters that need no percent-encoding (RFC 3986 pchar and "/", without "%").
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9/:@!$&'()*+,;=._~-]").search
_CONTROL = re.compile(r"[\x00-\x1f\x7f]").search
# lighttpd removes "." and ".." segments and collapses "//" before routing: such a URL would
# reach a different path than the one we matched.
_UNSTABLE = re.compile(r"//|/\.\.?(?:/|$)").search


class NoReverseMatch(LookupError):
    """No URL for this target and parameters; .tried lists (route, reason) per candidate."""

    def __init__(self, target, params: dict, tried: list[tuple[str, str]], why: str = ""):
        self.target = target
        self.params = params
        self.tried = tried
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
        lines = [f"no URL for {_describe(target)}({shown}){': ' + why if why else ''}"]
        lines += [f"  tried {route}: {reason}" for route, reason in tried]
        super().__init__("\n".join(lines))


def _describe(target) -> str:
    if isinstance(target, str):
        return repr(target)
    return getattr(target, "__qualname__", None) or repr(target)


class Failed(Exception):
    """One candidate route could not produce the URL (internal: collected into NoReverseMatch)."""


def encode_path_text(text: str) -> str:
    if not _NEEDS_QUOTING(text):
        return text
    if _CONTROL(text):
        raise Failed(f"control character in {text!r} (lighttpd refuses such URLs)")
    return quote(text, safe=_PATH_SAFE)


class ReverseEntry:
    """One placed route, ready to build URLs."""

    __slots__ = ("placed", "slots", "names", "problem", "_url_format", "_raw_format", "_match",
                 "_single", "_prefix", "_full_checks", "_info_checks", "_constant")

    def __init__(self, placed, earlier_routes, full_predecessors, own_capture):
        """placed: the route in its site; earlier_routes: the placed routes before it in its
        backend; full_predecessors: (what, captures(full_path), prefixes) for what lighttpd
        routes first ("goes to ..."); own_capture: whether its own backend gets a full path."""
        self.placed = placed
        regex = placed.route.regex
        self._match = regex.match
        self._prefix = placed.prefix
        self._constant = None
        self.problem = None
        try:
            template = compile_template(regex)
        except NotReversible as exc:
            self.problem = f"not reversible: {exc}"
            self.slots, self.names = tuple(regex.groupindex), frozenset(regex.groupindex)
            return
        self.slots = template.slots
        self.names = frozenset(template.slots)
        self._single = len(self.slots) == 1
        self._raw_format = template.format_string()
        self._url_format = self._prefix.replace("%", "%%") + template.format_string(
            lambda text: quote(text, safe=_PATH_SAFE))
        info_leading = template.leading
        full_leading = self._prefix + info_leading
        self._full_checks = tuple((what, captures) for what, captures, prefixes in full_predecessors
                                  if may_share_prefix(prefixes, full_leading))
        # A prefix backend owns every path below its prefix that starts with "/".
        if own_capture is not None and not (self._prefix and info_leading.startswith("/")):
            self._full_checks += ((f"is not routed to backend {placed.backend.ident}",
                                   lambda path: not own_capture(path)),)
        self._info_checks = tuple(
            (other, other.route.regex.match) for other in earlier_routes
            if may_share_prefix(required_prefixes(other.route.regex), info_leading))
        if not self.slots:
            try:
                self._constant = self._verify(self._raw_format.replace("%%", "%"), ())
            except Failed as exc:
                self.problem = str(exc)

    def build(self, params: dict) -> str:
        """The URL path (with the backend's prefix) for `params`, or Failed(reason)."""
        if self._constant is not None:
            return self._constant
        if self.problem is not None:
            raise Failed(self.problem)
        try:
            texts = tuple([to_text(params[name]) for name in self.slots])
        except (ValueError, TypeError) as exc:
            raise Failed(f"a parameter cannot be converted to text: {exc}") from None
        return self._verify(self._raw_format % texts, texts)

    def _verify(self, info: str, texts: tuple) -> str:
        m = self._match(info)
        if m is None:
            raise Failed(f"{info!r} does not match the route's regex")
        if self.slots:
            got = m.group(*self.slots)
            if (got != texts[0]) if self._single else (got != texts):
                raise Failed(f"matching {info!r} gives {self._groups(m)}, not the parameters")
        full = self._prefix + info
        if _UNSTABLE(full):
            raise Failed(f"{full!r} has '//', '.' or '..' segments, which lighttpd rewrites")
        for what, captures in self._full_checks:
            if captures(full):
                raise Failed(f"{full!r} {what}")
        for other, match in self._info_checks:
            m2 = match(info)
            if m2 is not None and not (other.key == self.placed.key and
                                       m2.groupdict() == dict(zip(self.slots, texts))):
                raise Failed(f"{full!r} resolves to the earlier {other.where}")
        if not texts:
            return self._url_format.replace("%%", "%")
        return self._url_format % tuple([encode_path_text(t) for t in texts])

    def _groups(self, m) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in m.groupdict().items())
