"""Event topics: their names, the patterns that stand for several, and which names a pattern covers.

A topic is a dotted name: lower-case segments of letters, digits, '_' and '-', the first starting
with a letter ("demo.status", "net.eth0.rx", "notes.insert"). A pattern is a topic name, a name
followed by ".*" (every topic below it: "net.*" covers "net.eth0" and "net.eth0.rx", not "net"),
or "*" (every topic). The configuration declares topics with patterns (who may read them) and
gives each backend patterns (what its user may publish); a subscriber asks for names or patterns.

Names under "pwww." belong to the framework (its control messages) and cannot be declared.
"""
import re

MAX_LENGTH = 128
RESERVED = "pwww"
_NAME = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$")


def check_name(value: str) -> str | None:
    if len(value) > MAX_LENGTH or not _NAME.match(value):
        return (f"{value!r} is not a topic name (dotted lower-case segments of letters, digits, "
                f"'_' or '-', at most {MAX_LENGTH} characters)")
    return None


def check_pattern(value: str) -> str | None:
    """A problem with `value` as a pattern, or None."""
    if value == "*":
        return None
    name = value[:-2] if value.endswith(".*") else value
    if check_name(name):
        return f"{value!r} is not a topic pattern (a topic name, a name followed by '.*', or '*')"
    return None


def check_declared(value: str) -> str | None:
    """check_pattern, and not the framework's own names."""
    if problem := check_pattern(value):
        return problem
    if value == "*" or value.split(".")[0] == RESERVED:
        return f"{value!r}: topics under {RESERVED}. belong to the framework"
    return None


def _stem(pattern: str) -> str | None:
    """The prefix every covered name starts with ("net." for "net.*"), or None for one name."""
    if pattern == "*":
        return ""
    return pattern[:-1] if pattern.endswith(".*") else None


def covers(pattern: str, name: str) -> bool:
    """Does `pattern` cover the topic `name`?"""
    stem = _stem(pattern)
    return name == pattern if stem is None else name.startswith(stem) and name != stem[:-1]


def overlap(a: str, b: str) -> bool:
    """Is there a topic both patterns cover?"""
    stem_a, stem_b = _stem(a), _stem(b)
    if stem_a is None:
        return covers(b, a)
    if stem_b is None:
        return covers(a, b)
    return stem_a.startswith(stem_b) or stem_b.startswith(stem_a)


def specificity(pattern: str) -> tuple[int, int]:
    """Orders patterns from the most specific: a name before any pattern, a longer stem first."""
    stem = _stem(pattern)
    return (0, -len(pattern)) if stem is None else (1, -len(stem))
