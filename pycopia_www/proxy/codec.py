"""Typed values on the wire: Python values <-> JSON-able structures, both directions.

A typed value travels as {"$type": tag, "$value": ...}. A plain dict that has a "$type" key of its
own, or a key that is not a string, is sent tagged too ("dict", as [key, value] pairs), so on the
wire every object with a "$type" key is a tag and nothing else is: user data cannot collide.
The table of tags is in docs/proxy.md; this module is the only place that knows it.
"""
import base64
import binascii
import dataclasses
import enum
import math
import uuid
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from ..rpcwire import MAX_DIGITS, MAX_ELEMENTS, MAX_ITEMS

TAG = "$type"
VALUE = "$value"
MAX_SAFE_INT = 2 ** 53 - 1          # beyond this a JavaScript Number loses digits
# Set members and dict keys sharing one hash: more is a hash-flooding attempt. Hashes of ints,
# floats and tuples are not randomised, and keys of equal hash cost quadratic time to insert.
MAX_SAME_HASH = 8
_TOO_BIG = 10 ** MAX_DIGITS          # an int must be smaller in magnitude
BUILTIN_TAGS = frozenset({"datetime", "date", "time", "decimal", "set", "frozenset", "bytes", "uuid",
                          "enum", "bigint", "float", "dict"})


class EncodeError(TypeError):
    """A value that has no wire form (an unregistered class)."""


class DecodeError(ValueError):
    """A wire value that is not a well-formed typed value, or too deeply nested."""


class TooLarge(DecodeError):
    """A wire value with more members than the limits allow (check_size)."""


def check_size(value, max_items: int = MAX_ITEMS, max_elements: int = MAX_ELEMENTS) -> None:
    """Refuse parsed JSON with an array or object of more than max_items members, or more than
    max_elements members in all. One pass over the containers only, stopping at the first
    excess: cheap enough to run on every body before anything else looks at it."""
    containers, total = ([value] if type(value) is list or type(value) is dict else []), 0
    while containers:
        node = containers.pop()
        size = len(node)
        if size > max_items:
            raise TooLarge(f"an array or object of {size} members (at most {max_items})")
        total += size
        if total > max_elements:
            raise TooLarge(f"more than {max_elements} members of arrays and objects in one body "
                           f"(at most {max_elements})")
        members = node.values() if type(node) is dict else node
        containers.extend(m for m in members if type(m) is list or type(m) is dict)


@dataclasses.dataclass(frozen=True)
class EnumMember:
    """A member of an enum this side has not registered: kept as it came, so it can be sent back."""
    cls: str
    name: str
    value: object


@dataclasses.dataclass(frozen=True)
class _Registered:
    cls: type
    name: str
    encode: object
    decode: object


def _default_state(obj):
    if dataclasses.is_dataclass(obj):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    return dict(vars(obj))


def _default_builder(cls):
    def build(state):
        return cls(**state) if isinstance(state, dict) else cls(state)
    return build


class TypeRegistry:
    """Application classes and enums that may travel, each under one name on both sides."""

    def __init__(self):
        self._by_name: dict[str, _Registered] = {}
        self._by_class: dict[type, _Registered] = {}

    def register(self, cls: type, name: str | None = None, *, encode=None, decode=None) -> type:
        """Let instances of `cls` travel as {"$type": name, "$value": encode(obj)}, rebuilt by
        decode(state). Defaults: a dataclass's fields or the instance's __dict__, and cls(**state).
        An Enum class is sent as an "enum" tag naming `name`. Returns cls (usable as a decorator)."""
        name = name or cls.__name__
        if name in BUILTIN_TAGS or name == TAG:
            raise ValueError(f"{name!r} is a built-in tag; register {cls.__name__} under another name")
        known = self._by_name.get(name)
        # The same class imported again (a reloaded module) may take its name back.
        if known is not None and _where(known.cls) != _where(cls):
            raise ValueError(f"{name!r} is already registered for {known.cls.__qualname__}")
        entry = _Registered(cls, name, encode or _default_state, decode or _default_builder(cls))
        self._by_name[name] = self._by_class[cls] = entry
        return cls

    def for_class(self, cls: type) -> _Registered | None:
        entry = self._by_class.get(cls)
        if entry is None:
            for base in cls.__mro__[1:]:
                entry = self._by_class.get(base)
                if entry is not None:
                    break
        return entry

    def for_name(self, name: str) -> _Registered | None:
        return self._by_name.get(name)


default_registry = TypeRegistry()


def register_type(cls: type, name: str | None = None, *, encode=None, decode=None) -> type:
    """Register a class (or Enum) in the default registry, shared by the server and the client."""
    return default_registry.register(cls, name, encode=encode, decode=decode)


def _where(cls: type) -> tuple[str, str]:
    return cls.__module__, cls.__qualname__


def _tag(kind: str, value) -> dict:
    return {TAG: kind, VALUE: value}


class Codec:
    """Converts between Python values and JSON-able structures.

    strict (the server): an enum or class that is not registered is a DecodeError, because a
    server must never import or guess a class from a client's name. Not strict (clients): it is
    kept as an EnumMember, or a DecodeError for a registered-class tag.
    """

    def __init__(self, registry: TypeRegistry = default_registry, *, strict: bool = True,
                 max_depth: int = 64):
        self.registry = registry
        self.strict = strict
        self.max_depth = max_depth

    # -- Python -> wire ---------------------------------------------------------------------

    def encode(self, value, depth: int = 0):
        kind = type(value)
        if kind is str or kind is bool or value is None:
            return value
        if kind is int:
            return value if -MAX_SAFE_INT <= value <= MAX_SAFE_INT else _tag("bigint", str(value))
        if kind is float:
            return value if math.isfinite(value) else _tag("float", _float_name(value))
        if depth > self.max_depth:
            raise EncodeError(f"nested deeper than {self.max_depth} levels")
        if kind is list or kind is tuple:
            return [self.encode(v, depth + 1) for v in value]
        if kind is dict:
            return self._encode_dict(value, depth)
        encoder = _ENCODERS.get(kind)
        if encoder is not None:
            return encoder(self, value, depth)
        return self._encode_other(value, depth)

    def _encode_dict(self, value: dict, depth: int):
        if TAG not in value and all(type(k) is str for k in value):
            return {k: self.encode(v, depth + 1) for k, v in value.items()}
        return _tag("dict", [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                             for k, v in value.items()])

    def _encode_other(self, value, depth: int):
        if isinstance(value, enum.Enum):
            entry = self.registry.for_class(type(value))
            name = entry.name if entry else type(value).__name__
            return _tag("enum", {"class": name, "name": value.name,
                                 "value": self.encode(value.value, depth + 1)})
        entry = self.registry.for_class(type(value))
        if entry is not None:
            return _tag(entry.name, self.encode(entry.encode(value), depth + 1))
        # Subclasses of the built-in kinds (OrderedDict, namedtuple, IntFlag ...) travel as their base.
        for base, encoder in _SUBCLASS_ENCODERS:
            if isinstance(value, base):
                return encoder(self, value, depth)
        raise EncodeError(f"cannot send a {type(value).__module__}.{type(value).__qualname__} "
                          f"value: register its class with register_type()")

    # -- wire -> Python ---------------------------------------------------------------------

    def decode(self, value, depth: int = 0):
        kind = type(value)
        if kind is dict:
            if depth > self.max_depth:
                raise DecodeError(f"nested deeper than {self.max_depth} levels")
            if TAG in value:
                return self._decode_tag(value, depth)
            return {k: self.decode(v, depth + 1) for k, v in value.items()}
        if kind is list:
            if depth > self.max_depth:
                raise DecodeError(f"nested deeper than {self.max_depth} levels")
            return [self.decode(v, depth + 1) for v in value]
        if kind is int and not -_TOO_BIG < value < _TOO_BIG:
            raise DecodeError(f"an integer of more than {MAX_DIGITS} digits")
        return value

    def _decode_tag(self, obj: dict, depth: int):
        kind = obj[TAG]
        if len(obj) != 2 or VALUE not in obj or type(kind) is not str:
            raise DecodeError('a typed value is exactly {"$type": name, "$value": value}')
        raw = obj[VALUE]
        decoder = _DECODERS.get(kind)
        try:
            if decoder is not None:
                return decoder(self, raw, depth)
            entry = self.registry.for_name(kind)
            if entry is None or issubclass(entry.cls, enum.Enum):
                raise DecodeError(f"unknown type {kind!r} (not registered on this side)")
            return entry.decode(self.decode(raw, depth + 1))
        except DecodeError:
            raise
        except (ValueError, TypeError, KeyError, InvalidOperation, binascii.Error) as exc:
            raise DecodeError(f"bad {kind!r} value: {exc}") from None

    def _decode_enum(self, raw, depth):
        if type(raw) is not dict or set(raw) != {"class", "name", "value"}:
            raise DecodeError('an enum is {"class": ..., "name": ..., "value": ...}')
        entry = self.registry.for_name(raw["class"])
        if entry is not None and issubclass(entry.cls, enum.Enum):
            return entry.cls[raw["name"]]
        if self.strict:
            raise DecodeError(f"unknown enum class {raw['class']!r} (not registered on this side)")
        return EnumMember(raw["class"], raw["name"], self.decode(raw["value"], depth + 1))

    def _decode_items(self, raw, depth):
        if type(raw) is not list:
            raise DecodeError("expected an array")
        return _few_collisions([_hashable(self.decode(v, depth + 1)) for v in raw])

    def _decode_dict(self, raw, depth):
        if type(raw) is not list or not all(type(p) is list and len(p) == 2 for p in raw):
            raise DecodeError("a tagged dict is an array of [key, value] pairs")
        keys = _few_collisions([_hashable(self.decode(k, depth + 1)) for k, _ in raw])
        return dict(zip(keys, (self.decode(v, depth + 1) for _, v in raw)))


def _few_collisions(keys: list) -> list:
    """`keys`, unless more than MAX_SAME_HASH of them share a hash. Counting by hash value is
    itself safe: distinct int hash values never collide as dict keys (hash(h) == h)."""
    counts: dict[int, int] = {}
    for key in keys:
        h = hash(key)
        n = counts[h] = counts.get(h, 0) + 1
        if n > MAX_SAME_HASH:
            raise DecodeError(f"more than {MAX_SAME_HASH} set members or dict keys with the same "
                              f"hash (equal or crafted to collide)")
    return keys


def _hashable(value):
    """Arrays used as set members or dict keys come back as tuples (lists cannot be either)."""
    if type(value) is list:
        return tuple(_hashable(v) for v in value)
    return value


def _float_name(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _string(raw) -> str:
    if type(raw) is not str:
        raise DecodeError("expected a string")
    return raw


def _bigint(raw) -> int:
    text = _string(raw)
    if len(text) - text.startswith("-") > MAX_DIGITS:
        raise DecodeError(f"a bigint of more than {MAX_DIGITS} digits")
    if not text.lstrip("-").isdigit() or not text.isascii():
        raise DecodeError("a bigint is a string of decimal digits")
    return int(text)


_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _float(raw) -> float:
    if raw not in _FLOATS:
        raise DecodeError('a float tag is "NaN", "Infinity" or "-Infinity"')
    return _FLOATS[raw]


def _decimal(raw) -> Decimal:
    if type(raw) is not str:
        raise DecodeError("a decimal is a string")
    if len(raw) > MAX_DIGITS + 8:       # room for a sign, a point and an exponent
        raise DecodeError(f"a decimal of more than {MAX_DIGITS} digits")
    return Decimal(raw)


def _bytes(raw) -> bytes:
    return base64.b64decode(_string(raw), validate=True)


_ENCODERS = {
    datetime: lambda c, v, d: _tag("datetime", v.isoformat()),
    date: lambda c, v, d: _tag("date", v.isoformat()),
    time: lambda c, v, d: _tag("time", v.isoformat()),
    Decimal: lambda c, v, d: _tag("decimal", str(v)),
    set: lambda c, v, d: _tag("set", [c.encode(x, d + 1) for x in v]),
    frozenset: lambda c, v, d: _tag("frozenset", [c.encode(x, d + 1) for x in v]),
    bytes: lambda c, v, d: _tag("bytes", base64.b64encode(v).decode("ascii")),
    bytearray: lambda c, v, d: _tag("bytes", base64.b64encode(v).decode("ascii")),
    memoryview: lambda c, v, d: _tag("bytes", base64.b64encode(v).decode("ascii")),
    uuid.UUID: lambda c, v, d: _tag("uuid", str(v)),
    EnumMember: lambda c, v, d: _tag("enum", {"class": v.cls, "name": v.name,
                                              "value": c.encode(v.value, d + 1)}),
}

# Checked in order, after the registry: the more specific kinds first.
_SUBCLASS_ENCODERS = (
    (bool, lambda c, v, d: bool(v)),
    (int, lambda c, v, d: c.encode(int(v), d)),
    (float, lambda c, v, d: c.encode(float(v), d)),
    (str, lambda c, v, d: str(v)),
    (dict, lambda c, v, d: c._encode_dict(dict(v), d)),
    (list, lambda c, v, d: [c.encode(x, d + 1) for x in v]),
    (tuple, lambda c, v, d: [c.encode(x, d + 1) for x in v]),
    (datetime, _ENCODERS[datetime]),
    (date, _ENCODERS[date]),
    (time, _ENCODERS[time]),
    (Decimal, _ENCODERS[Decimal]),
    (set, _ENCODERS[set]),
    (frozenset, _ENCODERS[frozenset]),
    (bytes, _ENCODERS[bytes]),
    (uuid.UUID, _ENCODERS[uuid.UUID]),
)

_DECODERS = {
    "datetime": lambda c, raw, d: datetime.fromisoformat(_string(raw)),
    "date": lambda c, raw, d: date.fromisoformat(_string(raw)),
    "time": lambda c, raw, d: time.fromisoformat(_string(raw)),
    "decimal": lambda c, raw, d: _decimal(raw),
    "set": lambda c, raw, d: set(c._decode_items(raw, d)),
    "frozenset": lambda c, raw, d: frozenset(c._decode_items(raw, d)),
    "bytes": lambda c, raw, d: _bytes(raw),
    "uuid": lambda c, raw, d: uuid.UUID(_string(raw)),
    "enum": Codec._decode_enum,
    "bigint": lambda c, raw, d: _bigint(raw),
    "float": lambda c, raw, d: _float(raw),
    "dict": Codec._decode_dict,
}
