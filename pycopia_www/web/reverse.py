"""Building one route's URL from parameters, and proving it leads back to that route.

Each placed route gets a ReverseEntry when the URL map is built: a builder function generated
for its pattern (percent-encoding the parameters for the URL, keeping them plain for matching;
see _compile), and the list of things that could
take the URL away from it, pruned by literal prefix: static directories, backends earlier in
lighttpd's routing order, earlier routes of its own backend. At call time the plain path is
matched against the route's regex (the groups must give back exactly the parameters' text),
then against what is left of that list. A route without parameters is settled once, at build.
"""
import re
import string

from .convert import to_text
from .pattern import NotReversible, compile_template, may_share_prefix, path_shape

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


def percent_table(safe: str) -> dict[int, str]:
    """A str.translate table that percent-encodes every code point below 256 not in `safe`
    (letters and digits are always safe); used on UTF-8 bytes read as latin-1."""
    keep = set(string.ascii_letters + string.digits + safe)
    return {i: f"%{i:02X}" for i in range(256) if chr(i) not in keep}


_PATH_TABLE = percent_table(_PATH_SAFE)


def percent_encode(text: str, table: dict[int, str]) -> str:
    # translate() runs in C: much faster than urllib.parse.quote for short strings.
    if not text.isascii():
        text = text.encode("utf-8").decode("latin-1")
    return text.translate(table)


def encode_path_text(text: str) -> str:
    if not _NEEDS_QUOTING(text):
        return text
    if _CONTROL(text):
        raise Failed(f"control character in {text!r} (lighttpd refuses such URLs)")
    try:
        return percent_encode(text, _PATH_TABLE)
    except UnicodeEncodeError:
        raise Failed(f"{text!r} is not valid Unicode text (a lone surrogate)") from None


class ReverseEntry:
    """One placed route, ready to build URLs: entry.build(params) -> URL path, or Failed."""

    __slots__ = ("placed", "slots", "names", "problem", "build", "source")

    def __init__(self, placed, earlier_routes, full_predecessors, own_capture):
        """placed: the route in its site; earlier_routes: the placed routes before it in its
        backend; full_predecessors: (what, captures(full_path), path_shape) for what lighttpd
        routes first ("goes to ..."); own_capture: whether its own backend gets a full path."""
        self.placed = placed
        self.problem = None
        self.source = ""
        regex = placed.route.regex
        try:
            template = compile_template(regex)
        except NotReversible as exc:
            self.slots, self.names = tuple(regex.groupindex), frozenset(regex.groupindex)
            self._refuse(f"not reversible: {exc}")
            return
        self.slots = template.slots
        self.names = frozenset(template.slots)
        prefix = placed.prefix
        info_leading = template.leading
        full_checks = [(what, captures) for what, captures, (prefixes, exact) in full_predecessors
                       if may_share_prefix(prefixes, prefix + info_leading, exact)]
        # A prefix backend owns every path below its prefix that starts with "/".
        if own_capture is not None and not (prefix and info_leading.startswith("/")):
            full_checks.append((f"is not routed to backend {placed.backend.ident}",
                                lambda path: not own_capture(path)))
        info_checks = []
        for other in earlier_routes:
            prefixes, exact = path_shape(other.route.regex)
            if may_share_prefix(prefixes, info_leading, exact):
                info_checks.append(other)
        self.build = self._compile(template, prefix, full_checks, info_checks)
        if not self.slots:
            # Nothing varies: settle it now, once.
            try:
                constant = self.build({})
            except Failed as exc:
                self._refuse(str(exc))
            else:
                def build(params):
                    if params:
                        wrong_parameters(params, ())
                    return constant
                self.build = build

    def _refuse(self, problem: str) -> None:
        self.problem = problem

        def build(params):
            raise Failed(problem)
        self.build = build

    def _compile(self, template, prefix, full_checks, info_checks):
        """A function specialised to this route: the template's literals and the checks that
        survived pruning are written into its code, so a call does no interpretation."""
        slots = self.slots
        texts = [f"t{i}" for i in range(len(slots))]
        literals = template.pieces[::2]
        raw = _concat(literals, texts)
        url = _concat([percent_encode(lit, _PATH_TABLE) for lit in (prefix + literals[0], *literals[1:])],
                      [f"({t} if needs_quoting({t}) is None else encode({t}))" for t in texts])
        # Same count and every name present: exactly the route's parameters.
        lines = ["def build(params):", f"    if len(params) != {len(slots)}:",
                 "        wrong_parameters(params, slots)"]
        if slots:
            lines.append("    try:")
            for i, name in enumerate(slots):
                lines += [f"        v = params[{name!r}]",
                          f"        t{i} = v if v.__class__ is str else "
                          f"str(v) if v.__class__ is int else to_text(v)"]
            lines.append("    except KeyError:")
            lines.append("        wrong_parameters(params, slots)")
            lines.append("    except (ValueError, TypeError) as exc:")
            lines.append("        unconvertible(exc)")
        lines.append(f"    info = {raw}")
        lines.append("    m = match(info)")
        got = ", ".join(repr(n) for n in slots)
        values = f"({', '.join(texts)},)" if texts else "()"
        wanted = texts[0] if len(slots) == 1 else values
        lines.append(f"    if m is None{f' or m.group({got}) != {wanted}' if slots else ''}:")
        lines.append("        mismatch(info, m)")
        lines.append(f"    full = {prefix!r} + info" if prefix else "    full = info")
        lines.append("    if '//' in full or '/.' in full:")
        lines.append("        unstable(full)")
        namespace = {"to_text": to_text, "match": self.placed.route.regex.match,
                     "needs_quoting": _NEEDS_QUOTING, "encode": encode_path_text,
                     "unconvertible": _unconvertible, "mismatch": _mismatch, "unstable": _unstable,
                     "wrong_parameters": wrong_parameters}
        for k, (what, captures) in enumerate(full_checks):
            namespace[f"captures{k}"] = captures
            namespace[f"what{k}"] = what
            lines.append(f"    if captures{k}(full):")
            lines.append(f"        elsewhere(full, what{k})")
        for j, other in enumerate(info_checks):
            namespace[f"earlier{j}"] = other.route.regex.match
            namespace[f"other{j}"] = other
            lines.append(f"    m{j} = earlier{j}(info)")
            lines.append(f"    if m{j} is not None:")
            lines.append(f"        shadowed(full, other{j}, m{j}, dict(zip(slots, {values})))")
        lines.append(f"    return {url}")
        namespace.update(elsewhere=_elsewhere, shadowed=self._shadowed, slots=slots)
        self.source = "\n".join(lines) + "\n"
        exec(compile(self.source, f"<get_url {self.placed.where}>", "exec"), namespace)
        return namespace["build"]

    def _shadowed(self, full, other, m, params) -> None:
        # The same handler with the same parameters is the same destination.
        if other.key != self.placed.key or m.groupdict() != params:
            raise Failed(f"{full!r} resolves to the earlier {other.where}")


def _concat(literals, values) -> str:
    """Python source joining literal strings and value expressions, in turn, with '+'."""
    parts = [repr(literals[0])] if literals[0] else []
    for value, literal in zip(values, literals[1:]):
        parts.append(value)
        if literal:
            parts.append(repr(literal))
    return " + ".join(parts) or "''"


def wrong_parameters(params, slots):
    missing = [n for n in slots if n not in params]
    extra = [n for n in params if n not in slots]
    why = "; ".join(filter(None, [
        f"missing {', '.join(missing)}" if missing else "",
        f"unexpected {', '.join(extra)} (query arguments go in _query=)" if extra else ""]))
    raise Failed(f"parameters: {why}")


def _unconvertible(exc):
    raise Failed(f"a parameter cannot be converted to text: {exc}") from None


def _mismatch(info, m):
    if m is None:
        raise Failed(f"{info!r} does not match the route's regex")
    got = ", ".join(f"{k}={v!r}" for k, v in m.groupdict().items())
    raise Failed(f"matching {info!r} gives {got}, not the parameters")


def _unstable(full):
    if _UNSTABLE(full):
        raise Failed(f"{full!r} has '//', '.' or '..' segments, which lighttpd rewrites")


def _elsewhere(full, what):
    raise Failed(f"{full!r} {what}")
