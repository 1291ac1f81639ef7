"""Building one route's URL from parameters, and proving it leads back to that route.

Each placed route gets a ReverseEntry when the URL map is built: per template (a route with
optional named groups has several, see pattern.py) a function compiled from its literals, and the
list of things that could take the URL away from it, pruned by literal prefix: static
directories, backends earlier in lighttpd's routing order, earlier routes of its own backend. At
call time the plain path is matched against the route's regex (the groups must give back exactly
the parameters' text, and the groups left out must not take part), then against what is left of
that list. A template without parameters is settled once, at build.
"""
import itertools
import re
import string

from .convert import to_text
from .pattern import NotReversible, compile_templates, may_share_prefix, path_shape

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


class InvalidTarget(NoReverseMatch, TypeError):
    """get_url was given something that is no route name, dotted path or handler (None, say).
    A TypeError, since it is a programming error; a NoReverseMatch, for code that handles both."""

    def __init__(self, target):
        super().__init__(target, {}, [], f"{type(target).__name__} is not a target: get_url takes "
                                         "a route name, a handler's dotted path or the handler")


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

    __slots__ = ("placed", "templates", "names", "problem", "build", "source")

    def __init__(self, placed, earlier_routes, full_predecessors, own_capture):
        """placed: the route in its site; earlier_routes: the placed routes before it in its
        backend; full_predecessors: (what, captures(full_path), path_shape) for what lighttpd
        routes first ("goes to ..."); own_capture: whether its own backend gets a full path."""
        self.placed = placed
        self.problem = None
        self.source = ""
        regex = placed.route.regex
        try:
            self.templates = compile_templates(regex)
        except NotReversible as exc:
            self.templates = ()
            self.names = frozenset(regex.groupindex)
            self._refuse(f"not reversible: {exc}")
            return
        self.names = frozenset().union(*(set(t.slots) | t.inner for t in self.templates))
        context = (placed.prefix, earlier_routes, full_predecessors, own_capture)
        (first, *others) = self.templates
        if not others and not first.inner:
            # The common case: one template, the parameters are exactly its slots.
            build = self._compile(first, (), context, check_names=True)
            self.build = self._settled(build, first) or build
            return
        # Optional or nested named groups: the names given choose the template (and which inner
        # groups to check), each its own compiled function.
        variants, failures = {}, []
        for template in self.templates:
            for given in _subsets(sorted(template.inner)):
                names = frozenset(template.slots).union(given)
                build = self._compile(template, given, context, check_names=False)
                variants[names] = self._settled(build, template, failures) or build
        if len(failures) == len(variants):
            self._refuse("; ".join(failures))
            return
        entry = self

        def build(params):
            variant = variants.get(frozenset(params))
            if variant is None:
                entry.wrong_parameters(params)
            return variant(params)
        self.build = build

    def _settled(self, build, template, failures=None):
        """For a template with nothing to fill: the URL, worked out once, as a function (or, if it
        cannot be made, a function raising why, the reason added to `failures`)."""
        if template.slots:
            return None
        try:
            constant = build({})
        except Failed as exc:
            why = str(exc)
            if failures is None:
                self._refuse(why)
                return self.build
            failures.append(why)

            def refused(params):
                raise Failed(why)
            return refused

        def settled(params):
            if params:
                wrong_parameters(params, ())
            return constant
        return settled

    def _refuse(self, problem: str) -> None:
        self.problem = problem

        def build(params):
            raise Failed(problem)
        self.build = build

    def wrong_parameters(self, params) -> None:
        """Raise Failed saying which parameters this route takes (no template fits `params`)."""
        for template in self.templates:
            for inner, outer in template.outer_of:
                if inner in params and outer not in params:
                    raise Failed(f"parameters: {inner} is part of {outer}: give {outer} "
                                 f"(with or without {inner})")
        forms = " or ".join(", ".join(t.slots) or "none" for t in self.templates)
        extra = [n for n in params if n not in self.names]
        hint = f"; unexpected {', '.join(extra)} (query arguments go in _query=)" if extra else ""
        raise Failed(f"parameters: this route takes {forms}{hint}")

    def _checks(self, template, context):
        """What could take this template's URLs, pruned by the literal text they start with."""
        prefix, earlier_routes, full_predecessors, own_capture = context
        leading = template.leading
        full_checks = [(what, captures) for what, captures, (prefixes, exact) in full_predecessors
                       if may_share_prefix(prefixes, prefix + leading, exact)]
        # A prefix backend owns every path below its prefix that starts with "/".
        if own_capture is not None and not (prefix and leading.startswith("/")):
            full_checks.append((f"is not routed to backend {self.placed.backend.ident}",
                                lambda path: not own_capture(path)))
        info_checks = []
        for other in earlier_routes:
            prefixes, exact = path_shape(other.route.regex)
            if may_share_prefix(prefixes, leading, exact):
                info_checks.append(other)
        return full_checks, info_checks

    def _compile(self, template, given, context, check_names):
        """A function specialised to one template (and the inner groups `given`): its literals
        and the checks that survived pruning are written into its code, so a call does no
        interpretation. check_names: the function itself checks the parameters' names (else the
        caller chose it by them)."""
        prefix = context[0]
        full_checks, info_checks = self._checks(template, context)
        slots = template.slots
        filled = [*slots, *given]
        texts = [f"t{i}" for i in range(len(filled))]
        text_of = dict(zip(filled, texts))
        literals = template.pieces[::2]
        occurrences = [text_of[name] for name in template.pieces[1::2]]
        raw = _concat(literals, occurrences)
        url = _concat([percent_encode(lit, _PATH_TABLE) for lit in (prefix + literals[0], *literals[1:])],
                      [f"({t} if needs_quoting({t}) is None else encode({t}))" for t in occurrences])
        lines = ["def build(params):"]
        if check_names:
            # Same count and every name present: exactly the route's parameters.
            lines += [f"    if len(params) != {len(slots)}:", "        wrong_parameters(params, slots)"]
        if filled:
            lines.append("    try:")
            for name, t in zip(filled, texts):
                lines += [f"        v = params[{name!r}]",
                          f"        {t} = v if v.__class__ is str else "
                          f"str(v) if v.__class__ is int else to_text(v)"]
            lines.append("    except KeyError:")
            lines.append("        wrong_parameters(params, slots)")
            lines.append("    except (ValueError, TypeError) as exc:")
            lines.append("        unconvertible(exc)")
        lines.append(f"    info = {raw}")
        lines.append("    m = match(info)")
        # The groups give back exactly the parameters' text, and the groups left out stay out.
        checked = [*filled, *sorted(template.absent)]
        wanted = [*texts, *["None"] * len(template.absent)]
        if len(checked) == 1:
            lines.append(f"    if m is None or m.group({checked[0]!r}) != {wanted[0]}:")
        elif checked:
            lines.append(f"    if m is None or m.group({', '.join(map(repr, checked))}) != "
                         f"({', '.join(wanted)}):")
        else:
            lines.append("    if m is None:")
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
            lines.append(f"        shadowed(full, other{j}, m{j}, m)")
        lines.append(f"    return {url}")
        namespace.update(elsewhere=_elsewhere, shadowed=self._shadowed, slots=slots)
        source = "\n".join(lines) + "\n"
        self.source += source
        exec(compile(source, f"<get_url {self.placed.where}>", "exec"), namespace)
        return namespace["build"]

    def _shadowed(self, full, other, m_other, m_self) -> None:
        # The same handler called with the same arguments is the same destination.
        if other.key != self.placed.key or _arguments(m_other) != _arguments(m_self):
            raise Failed(f"{full!r} resolves to the earlier {other.where}")


def _arguments(m) -> dict:
    """What the dispatcher passes a handler for a match: the groups that took part."""
    return {k: v for k, v in m.groupdict().items() if v is not None}


def _subsets(names):
    """Every subset of `names`, the empty one first."""
    return [combo for size in range(len(names) + 1) for combo in itertools.combinations(names, size)]


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
