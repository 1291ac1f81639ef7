"""Typed values: every kind of docs/proxy.md survives encode -> JSON text -> decode, user data can
never be mistaken for a tag, and malformed tags are refused with a reason."""
import enum
import json
import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pycopia_www.proxy.codec import Codec, DecodeError, EncodeError, EnumMember, TypeRegistry


class Mood(enum.Enum):
    HAPPY = "happy"
    SAD = 2


@dataclass
class Point:
    x: float
    y: float


class Celsius:
    def __init__(self, degrees):
        self.degrees = degrees

    def __eq__(self, other):
        return isinstance(other, Celsius) and other.degrees == self.degrees


@pytest.fixture
def registry():
    r = TypeRegistry()
    r.register(Mood)
    r.register(Point)
    r.register(Celsius, "temp", encode=lambda c: c.degrees, decode=Celsius)
    return r


def wire(codec, value):
    """Through JSON text, as on the wire (allow_nan=False: the text must be strict JSON)."""
    return codec.decode(json.loads(json.dumps(codec.encode(value), allow_nan=False)))


AWARE = datetime(2026, 11, 21, 10, 30, 5, 250000, tzinfo=timezone(timedelta(hours=-5)))
VALUES = [
    None, True, 0, -17, 2 ** 53 - 1, 2 ** 53, -(2 ** 64), 1.5, "text ✓",
    AWARE, datetime(2026, 1, 2, 3, 4, 5), date(1999, 12, 31), time(23, 59, 1, 5),
    time(1, 2, tzinfo=timezone.utc), Decimal("3.14159265358979323846"), Decimal("-0"),
    {1, "a", (1, 2)}, frozenset({b"x"}), b"\x00\xff binary", uuid.UUID(int=12345),
    Mood.HAPPY, Mood.SAD, Point(1.0, 2.5), Celsius(21),
    {"$type": "datetime", "$value": "not a date"}, {"$type": 1}, {1: "int key", (1, 2): "tuple key"},
    {"nested": [{"$value": 1}, [set(), {"$type": "x"}]]},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_round_trip(registry, value):
    back = wire(Codec(registry), value)
    assert back == value and type(back) is type(value)


def test_tuples_travel_as_lists_and_come_back_as_tuples_only_where_hashable(registry):
    assert wire(Codec(registry), (1, [2, 3])) == [1, [2, 3]]
    assert wire(Codec(registry), {(1, (2, 3))}) == {(1, (2, 3))}


def test_special_floats_are_tagged_so_the_text_stays_json(registry):
    codec = Codec(registry)
    assert codec.encode(math.inf) == {"$type": "float", "$value": "Infinity"}
    assert wire(codec, [-math.inf])[0] == -math.inf and math.isnan(wire(codec, math.nan))


def test_big_integers_are_tagged_for_javascript():
    codec = Codec(TypeRegistry())
    assert codec.encode(2 ** 53 - 1) == 2 ** 53 - 1
    assert codec.encode(-(2 ** 53)) == {"$type": "bigint", "$value": str(-(2 ** 53))}


def test_a_users_dict_with_the_tag_key_is_itself_tagged():
    codec = Codec(TypeRegistry())
    user = {"$type": "bytes", "$value": "AAAA"}
    assert codec.encode(user) == {"$type": "dict", "$value": [["$type", "bytes"], ["$value", "AAAA"]]}
    assert wire(codec, user) == user


def test_subclasses_travel_as_their_base():
    from collections import OrderedDict, namedtuple
    codec = Codec(TypeRegistry())
    pair = namedtuple("pair", "a b")
    assert wire(codec, OrderedDict(a=1)) == {"a": 1}
    assert wire(codec, pair(1, 2)) == [1, 2]


def test_unregistered_classes_cannot_be_sent():
    with pytest.raises(EncodeError, match="register_type"):
        Codec(TypeRegistry()).encode(Celsius(3))


def test_unregistered_enum_strict_refuses_lenient_keeps_it(registry):
    sent = Codec(registry).encode(Mood.SAD)
    other_side = TypeRegistry()
    with pytest.raises(DecodeError, match="unknown enum class 'Mood'"):
        Codec(other_side).decode(sent)
    member = Codec(other_side, strict=False).decode(sent)
    assert member == EnumMember("Mood", "SAD", 2)
    # ... and it goes back as it came.
    assert Codec(registry).decode(Codec(other_side, strict=False).encode(member)) is Mood.SAD


def test_the_server_never_builds_a_class_from_a_name_it_does_not_know():
    with pytest.raises(DecodeError, match="unknown type 'os.system'"):
        Codec(TypeRegistry()).decode({"$type": "os.system", "$value": "echo"})


@pytest.mark.parametrize("bad, fragment", [
    ({"$type": "date"}, "exactly"),
    ({"$type": "date", "$value": "2026-13-01"}, "bad 'date'"),
    ({"$type": "bytes", "$value": "***"}, "bad 'bytes'"),
    ({"$type": "decimal", "$value": 1.5}, "decimal is a string"),
    ({"$type": "decimal", "$value": "pi"}, "bad 'decimal'"),
    ({"$type": "bigint", "$value": "12a"}, "decimal digits"),
    ({"$type": "float", "$value": "nan"}, "float tag"),
    ({"$type": "set", "$value": [[1], {"a": 1}]}, "unhashable"),
    ({"$type": "dict", "$value": [[1]]}, "pairs"),
    ({"$type": "enum", "$value": {"class": "Mood"}}, "an enum is"),
    ({"$type": "enum", "$value": {"class": "Mood", "name": "ANGRY", "value": 3}}, "bad 'enum'"),
    ({"$type": "uuid", "$value": "xyz"}, "bad 'uuid'"),
    ({"$type": ["datetime"], "$value": 1}, "exactly"),
])
def test_malformed_tags_are_refused_with_a_reason(registry, bad, fragment):
    with pytest.raises(DecodeError, match=fragment):
        Codec(registry).decode(bad)


def test_depth_limit_both_ways():
    codec = Codec(TypeRegistry(), max_depth=5)
    deep = [[[[[[[1]]]]]]]
    with pytest.raises(DecodeError, match="nested deeper than 5"):
        codec.decode(deep)
    with pytest.raises(EncodeError, match="nested deeper than 5"):
        codec.encode(deep)


def test_registration_rules():
    r = TypeRegistry()
    with pytest.raises(ValueError, match="built-in tag"):
        r.register(Point, "date")
    r.register(Point, "pt")
    with pytest.raises(ValueError, match="already registered"):
        r.register(Celsius, "pt")


# Arbitrary values built from every kind, nested: the round trip is the identity.
_hashable = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                      st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: d.normalize() if d else d),
                      st.binary(max_size=8), st.uuids(), st.dates(), st.times(),
                      st.datetimes(timezones=st.none() | st.just(timezone.utc)))
_values = st.recursive(
    _hashable | st.floats(allow_nan=False) | st.frozensets(_hashable, max_size=4)
    | st.sets(_hashable, max_size=4),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["$type", "$value", "a", ""]) | st.text(max_size=4), inner, max_size=4)
    | st.dictionaries(st.integers(), inner, max_size=3),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_any_value_round_trips(value):
    codec = Codec(TypeRegistry())
    assert wire(codec, value) == value
