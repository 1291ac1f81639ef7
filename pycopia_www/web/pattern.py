"""Reading a route's regex as a URL template, once, when the URL map is built.

A route is reversible when every part of its regex outside the named groups stands for exactly
one text: literals, escaped characters, one-character classes ([.]), non-capturing groups of
those, anchors and lookarounds (which emit nothing), and repeats whose minimum count is taken
(`/?` emits nothing, `/{2}` emits "//"). What a named group may contain is not analysed: the
value is checked by matching the finished URL against the regex again.

Not reversible, with the reason reported: alternation, character classes and '.' outside named
groups, named groups inside repeats or inside other named groups, backreferences, conditionals.
"""
import re
from dataclasses import dataclass
from re import _constants as C
from re import _parser as sre_parse

_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT))
_BEGIN = (C.AT_BEGINNING, C.AT_BEGINNING_STRING)
_END = (C.AT_END, C.AT_END_STRING)


class NotReversible(Exception):
    """The reason a regex cannot be turned into a URL template."""


@dataclass(frozen=True)
class Template:
    pieces: tuple[str, ...]     # literal text and slots, alternating: text, slot, text, ... text
    slots: tuple[str, ...]      # group names, in the order they appear

    @property
    def leading(self) -> str:
        """The literal text before the first slot: every URL from this template starts with it."""
        return self.pieces[0]

    def fill(self, values) -> str:
        """The text with the slots replaced by `values` (in slot order)."""
        out = [self.pieces[0]]
        for value, text in zip(values, self.pieces[2::2]):
            out += (value, text)
        return "".join(out)

    def format_string(self, literal=lambda s: s) -> str:
        """A %-format with %s per slot; `literal` transforms the literal text (e.g. quotes it)."""
        return "%s".join(literal(p).replace("%", "%%") for p in self.pieces[::2])


def compile_template(regex: re.Pattern) -> Template:
    """The template of a compiled route regex; raises NotReversible(reason)."""
    tree = sre_parse.parse(regex.pattern, regex.flags & ~re.UNICODE)
    names = {index: name for name, index in regex.groupindex.items()}
    out: list = [""]
    _emit(tree, out, names, top=True)
    if len(out) % 2 == 0:
        out.append("")
    return Template(tuple(out), tuple(out[1::2]))


def _emit(items, out: list, names: dict, top: bool = False) -> None:
    for position, (op, av) in enumerate(items):
        if op is C.LITERAL:
            _text(out, chr(av))
        elif op is C.AT:
            if av in _BEGIN and not (top and position == 0 and out == [""]):
                raise NotReversible("'^' after the start of the pattern")
            if av in _END and position != len(items) - 1 and not _only_end(items[position + 1:]):
                raise NotReversible("'$' before the end of the pattern")
            # \b and \B emit nothing; the re-match decides whether the URL satisfies them.
        elif op is C.SUBPATTERN:
            group, _, _, sub = av
            if group is None:
                _emit(sub, out, names)
            elif group in names:
                if _has_group(sub):
                    raise NotReversible(f"a group inside the named group {names[group]!r}")
                if len(out) % 2 == 0:
                    out.append("")
                out.append(names[group])
            else:
                raise NotReversible("an unnamed capturing group")
        elif op is C.IN:
            if len(av) == 1 and av[0][0] is C.LITERAL:
                _text(out, chr(av[0][1]))
            else:
                raise NotReversible("a character class outside a named group")
        elif op in _REPEATS:
            low, _, sub = av
            if _has_group(sub):
                raise NotReversible("a named group inside a repeat or an optional part")
            if low:
                inner = [""]
                _emit(sub, inner, names)
                _text(out, inner[0] * low)
        elif op is C.BRANCH:
            raise NotReversible("an alternation (|) outside a named group")
        elif op is C.ANY:
            raise NotReversible("'.' (any character) outside a named group")
        elif op is C.NOT_LITERAL:
            raise NotReversible("a negated character outside a named group")
        elif op in (C.ASSERT, C.ASSERT_NOT):
            continue
        elif op is getattr(C, "ATOMIC_GROUP", None):
            _emit(av, out, names)
        elif op is C.GROUPREF:
            raise NotReversible("a backreference")
        elif op is C.GROUPREF_EXISTS:
            raise NotReversible("a conditional group")
        else:
            raise NotReversible(f"the regex construct {op} outside a named group")


def _only_end(items) -> bool:
    return all(op is C.AT and av in _END for op, av in items)


def _text(out: list, text: str) -> None:
    if len(out) % 2 == 0:      # last piece is a slot: start a new literal
        out.append(text)
    else:
        out[-1] += text


def _has_group(items) -> bool:
    for op, av in items:
        if op is C.SUBPATTERN and av[0] is not None:
            return True
        for sub in _children(op, av):
            if _has_group(sub):
                return True
    return False


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
