"""Converters between URL text and Python values, chosen by type.

A handler's parameter annotation picks the converter for a named group (`row: int`); get_url picks
one by the type of the value it is given. A value that does not parse is a 404, not a 500.

    register_converter(Color, parse=Color.from_name, format=lambda c: c.name)
"""
import datetime
import decimal
import enum
import types
import typing
import uuid
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Converter:
    parse: Callable[[str], Any]      # text -> value; ValueError (or TypeError) if it is not one
    format: Callable[[Any], str]     # value -> text


def _parse_int(text: str) -> int:
    # int() also takes " 7", "+7", "7_000" and non-ASCII digits: not what a URL segment means.
    if not text.isascii() or not (text.isdigit() or (text[:1] == "-" and text[1:].isdigit())):
        raise ValueError(f"not an integer: {text!r}")
    return int(text)


def _parse_uuid(text: str) -> uuid.UUID:
    value = uuid.UUID(text)
    if str(value) != text.lower():
        raise ValueError(f"not a UUID in canonical form: {text!r}")
    return value


def _parse_bool(text: str) -> bool:
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


_converters: dict[type, Converter] = {
    str: Converter(str, str),
    int: Converter(_parse_int, int.__str__),
    bool: Converter(_parse_bool, lambda b: "true" if b else "false"),
    float: Converter(float, repr),
    decimal.Decimal: Converter(decimal.Decimal, str),
    uuid.UUID: Converter(_parse_uuid, str),
    datetime.date: Converter(datetime.date.fromisoformat, datetime.date.isoformat),
}


def register_converter(kind: type, parse: Callable[[str], Any], format: Callable[[Any], str] = str) -> None:
    """Make `kind` usable as a parameter annotation and as a get_url parameter value."""
    _converters[kind] = Converter(parse, format)


def converter_for(annotation) -> Converter | None:
    """The converter for a parameter annotation: None for no annotation or str; LookupError for
    a type nobody registered. `X | None` and Optional[X] mean X."""
    if annotation is None or annotation is str or annotation is Any:
        return None
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return converter_for(rest[0])
    if annotation in _converters:
        return _converters[annotation]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return Converter(lambda text: annotation(text) if not issubclass(annotation, int)
                         else annotation(_parse_int(text)), lambda e: str(e.value))
    raise LookupError(f"no converter for annotation {annotation!r}: use register_converter()")


def to_text(value) -> str:
    """A get_url parameter as URL text (before percent-encoding)."""
    kind = type(value)
    if kind is str:
        return value
    converter = _converters.get(kind)
    if converter is None:
        if isinstance(value, enum.Enum):
            return str(value.value)
        for base in kind.__mro__[1:]:
            converter = _converters.get(base)
            if converter is not None and base is not object:
                break
        else:
            converter = None
    if value is None:
        raise ValueError("None is not a URL parameter value")
    return converter.format(value) if converter is not None else str(value)
