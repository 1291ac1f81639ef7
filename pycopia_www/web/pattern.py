r"""Reading a route's regex as URL templates, once, when the URL map is built.

A route is reversible when every part of its regex outside the named groups stands for exactly
one text: literals, escaped characters, one-character classes ([.]), non-capturing groups of
those, anchors and lookarounds (which emit nothing), and repeats whose minimum count is taken
(`/?` emits nothing, `/{2}` emits "//"). What a named group may contain is not analysed: the
value is checked by matching the finished URL against the regex again.

A named group in an optional part, `(?:(?P<page>\d+)/)?` or `(?P<x>\d+)?`, gives the route one
template with the part and one without: the parameters given choose. A named group inside another
is filled by the outer one's text (it may be given too: the re-match checks it). A backreference
`(?P=name)` repeats the named group's text.

Not reversible, with the reason reported: alternation, character classes and '.' outside named
groups, named groups in a part repeated at least twice, conditionals, and a backreference to a
group that is not given.
"""
import itertools
import re
from dataclasses import dataclass
from re import _constants as C
from re import _parser as sre_parse

_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT))
_BEGIN = (C.AT_BEGINNING, C.AT_BEGINNING_STRING)
_END = (C.AT_END, C.AT_END_STRING)
# The most templates one route may have (2 per independent optional group): a route table with
# more combinations than this is better written as several routes.
MAX_TEMPLATES = 64


class NotReversible(Exception):
    """The reason a regex cannot be turned into a URL template."""


@dataclass(frozen=True)
class Template:
    """One way of writing a route's URLs: literal text with slots for named groups."""
    pieces: tuple[str, ...]     # literal text and slot names, alternating: text, slot, ... text
    slots: tuple[str, ...]      # the named groups it fills, in order of first appearance
    inner: frozenset = frozenset()      # named groups inside the slots: their text is the slot's
    absent: frozenset = frozenset()     # named groups it leaves out (a match must not set them)
    outer_of: tuple = ()                # (inner group, the slot it is inside) pairs

    @property
    def leading(self) -> str:
        """The literal text before the first slot: every URL from this template starts with it."""
        return self.pieces[0]

    def fill(self, values) -> str:
        """The text with the slots replaced by `values` (in slot order)."""
        by_name = dict(zip(self.slots, values))
        out = [self.pieces[0]]
        for name, text in zip(self.pieces[1::2], self.pieces[2::2]):
            out += (by_name[name], text)
        return "".join(out)

    def format_string(self, literal=lambda s: s) -> str:
        """A %-format with %s per slot occurrence; `literal` transforms the literal text."""
        return "%s".join(literal(p).replace("%", "%%") for p in self.pieces[::2])


def compile_template(regex: re.Pattern) -> Template:
    """The template of a route regex that has exactly one; raises NotReversible(reason)."""
    templates = compile_templates(regex)
    if len(templates) != 1:
        raise NotReversible(f"{len(templates)} templates (optional named groups)")
    return templates[0]


def compile_templates(regex: re.Pattern) -> tuple[Template, ...]:
    """Every template of a compiled route regex, one per set of slots (fewest optional parts
    first); raises NotReversible(reason)."""
    tree = sre_parse.parse(regex.pattern, regex.flags & ~re.UNICODE)
    names = {index: name for name, index in regex.groupindex.items()}
    templates, seen = [], set()
    for parts in _sequence(list(tree), names, top=True):
        template = _template(parts, names)
        if template is not None and frozenset(template.slots) not in seen:
            seen.add(frozenset(template.slots))
            templates.append(template)
    if not templates:
        raise NotReversible("a backreference to a group that is not given")
    return tuple(templates)


# A partial template is a tuple of parts: ("text", s), ("slot", name, inner names) or ("ref", name).

def _sequence(items, names: dict, top: bool = False) -> list[tuple]:
    """Every way of writing `items`, as tuples of parts."""
    ways = [()]
    for position, (op, av) in enumerate(items):
        options = _options(op, av, items, position, names, top)
        ways = [way + option for way, option in itertools.product(ways, options)]
        if len(ways) > MAX_TEMPLATES:
            raise NotReversible(f"more than {MAX_TEMPLATES} combinations of optional parts")
    return ways


def _options(op, av, items, position, names, top) -> list[tuple]:
    if op is C.LITERAL:
        return [(("text", chr(av)),)]
    if op is C.AT:
        if av in _BEGIN and not (top and position == 0):
            raise NotReversible("'^' after the start of the pattern")
        if av in _END and position != len(items) - 1 and not _only_end(items[position + 1:]):
            raise NotReversible("'$' before the end of the pattern")
        return [()]    # \b and \B emit nothing; the re-match decides whether the URL satisfies them
    if op is C.SUBPATTERN:
        group, _, _, sub = av
        if group is None:
            return _sequence(list(sub), names)
        if group in names:
            return [(("slot", names[group], frozenset(_named(sub, names))),)]
        raise NotReversible("an unnamed capturing group")
    if op is C.IN:
        if len(av) == 1 and av[0][0] is C.LITERAL:
            return [(("text", chr(av[0][1])),)]
        raise NotReversible("a character class outside a named group")
    if op in _REPEATS:
        low, _, sub = av
        if not _named(sub, names):
            if not low:
                return [()]
            (once,) = _sequence(list(sub), names)   # without named groups: one way only
            return [once * low]
        if low > 1:
            raise NotReversible(f"a named group in a part repeated at least {low} times")
        # Once (the named groups given), or, when optional, not at all (they are left out).
        return ([()] if low == 0 else []) + _sequence(list(sub), names)
    if op is C.BRANCH:
        raise NotReversible("an alternation (|) outside a named group")
    if op is C.ANY:
        raise NotReversible("'.' (any character) outside a named group")
    if op is C.NOT_LITERAL:
        raise NotReversible("a negated character outside a named group")
    if op in (C.ASSERT, C.ASSERT_NOT):
        if _named(av[1], names):
            raise NotReversible("a named group inside a lookaround")
        return [()]
    if op is getattr(C, "ATOMIC_GROUP", None):
        return _sequence(list(av), names)
    if op is C.GROUPREF:
        if av not in names:
            raise NotReversible("a backreference to an unnamed group")
        return [(("ref", names[av]),)]
    if op is C.GROUPREF_EXISTS:
        raise NotReversible("a conditional group")
    raise NotReversible(f"the regex construct {op} outside a named group")


def _template(parts, names: dict) -> Template | None:
    """The Template of one way of writing the regex; None when a backreference in it names a
    group this way does not fill."""
    out, slots, inner, outer_of = [""], [], set(), []
    for part in parts:
        if part[0] == "text":
            if len(out) % 2 == 0:       # last piece is a slot: start a new literal
                out.append(part[1])
            else:
                out[-1] += part[1]
            continue
        name = part[1]
        if part[0] == "slot":
            slots.append(name)
            inner |= part[2]
            outer_of += [(group, name) for group in sorted(part[2])]
        elif name not in slots:         # a backreference to a group not (yet) filled
            return None
        if len(out) % 2 == 0:
            out.append("")
        out.append(name)
    if len(out) % 2 == 0:
        out.append("")
    absent = frozenset(names.values()) - set(slots) - inner
    return Template(tuple(out), tuple(slots), frozenset(inner), absent, tuple(outer_of))


def _only_end(items) -> bool:
    return all(op is C.AT and av in _END for op, av in items)


def _named(items, names: dict) -> list[str]:
    """The named groups anywhere in `items`."""
    found = []
    for op, av in items:
        if op is C.SUBPATTERN and av[0] in names:
            found.append(names[av[0]])
        for sub in _children(op, av):
            found += _named(sub, names)
    return found


def _children(op, av):
    if op is C.SUBPATTERN:
        yield av[3]
    elif op in _REPEATS:
        yield av[2]
    elif op is C.BRANCH:
        yield from av[1]
    elif op in (C.ASSERT, C.ASSERT_NOT):
        yield av[1]
    elif op is getattr(C, "ATOMIC_GROUP", None):
        yield av
    elif op is C.GROUPREF_EXISTS:
        yield av[1]
        if av[2] is not None:
            yield av[2]


# -- which paths a regex can match at all, by their beginning -------------------------------------

MAX_PREFIXES = 32


def required_prefixes(regex: re.Pattern) -> frozenset[str]:
    """Strings one of which begins every string `regex` matches (with re.match). {""} when
    nothing useful is known. Used to skip, at build time, routes that cannot capture a URL."""
    return path_shape(regex)[0]


def path_shape(regex: re.Pattern) -> tuple[frozenset[str], bool]:
    """(prefixes as for required_prefixes, exact): exact means the regex matches exactly those
    strings and nothing longer (a literal, or a few, anchored at the end: r"^/$")."""
    if regex.flags & re.IGNORECASE:
        return frozenset({""}), False
    try:
        items = list(sre_parse.parse(regex.pattern, regex.flags & ~re.UNICODE))
    except re.error:
        return frozenset({""}), False
    ends = bool(items) and items[-1][0] is C.AT and items[-1][1] in _END
    while items and items[-1][0] is C.AT and items[-1][1] in _END:
        items.pop()
    prefixes, complete = _prefixes(items, {""})
    if complete and ends:
        return frozenset(prefixes), True
    # "/data" already covers "/data/": keep the shortest.
    return frozenset(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)), False


def _prefixes(items, current: set[str]) -> tuple[set[str], bool]:
    """(prefixes after reading `items`, whether all of `items` was literal)."""
    for op, av in items:
        if op is C.LITERAL:
            current = {p + chr(av) for p in current}
        elif op is C.IN and all(kind is C.LITERAL for kind, _ in av):
            # A class of literal characters (the parser turns "b|c" into one) is a small branch.
            if len(current) * len(av) > MAX_PREFIXES:
                return current, False
            current = {p + chr(c) for p in current for _, c in av}
        elif op is C.AT and av in _BEGIN:
            continue
        elif op is C.SUBPATTERN and not av[1] & re.IGNORECASE:
            current, complete = _prefixes(list(av[3]), current)
            if not complete:
                return current, False
        elif op is C.BRANCH:
            results = [_prefixes(list(alt), current) for alt in av[1]]
            merged = set().union(*(r[0] for r in results))
            if len(merged) > MAX_PREFIXES:
                return current, False
            current = merged
            if not all(r[1] for r in results):
                return current, False
        else:
            return current, False
    return current, True


def may_share_prefix(prefixes: frozenset[str], leading: str, exact: bool = False) -> bool:
    """Whether a string starting with `leading` may start with one of `prefixes` (or, when
    `exact`, be one of them)."""
    if exact:
        return any(p.startswith(leading) for p in prefixes)
    return any(p.startswith(leading) or leading.startswith(p) for p in prefixes)
