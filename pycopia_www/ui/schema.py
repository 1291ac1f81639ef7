"""One schema for a form, its checks and what it is stored as: the fields of a dataclass or of a
SQLAlchemy model, each knowing its kind (widget), label, help, limits and choices, and how to
turn what was posted (or sent through a proxy) into a checked Python value.

    schema = dataclass_schema(Settings)              # field metadata: label, help, min, max, ...
    schema = model_schema(Host, session=s)           # column info: label, help; FKs need a session
    result = schema.clean(request.form)              # every field converted and checked
    result.errors                                    # {"port": "At most 65535."} or {}
    result.data                                      # converted values, only when there is no error

Dataclass field metadata (all optional): label, help, min_length, max_length, min, max, step,
choices (values or (value, text) pairs), widget ("textarea", "radios", "select", "password",
"email"), required, strip (default True), validators (callables raising ValueError(message)).
A SQLAlchemy column's `info` takes the same keys.
"""
import dataclasses
import datetime
import decimal
import enum
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

MISSING = dataclasses.MISSING


class _NoDefault:
    def __repr__(self):
        return "NO_DEFAULT"


NO_DEFAULT = _NoDefault()       # a field without a default (dataclasses.MISSING cannot be one)
_TRUE = frozenset({"1", "on", "true", "yes"})
_FALSE = frozenset({"", "0", "off", "false", "no"})
KINDS = ("text", "integer", "decimal", "float", "boolean", "date", "datetime", "choice")


class FieldError(ValueError):
    """A value that does not fit its field; the message is shown next to the field."""


@dataclass(frozen=True)
class Field:
    name: str
    kind: str                                   # one of KINDS
    label: str
    help: str | None = None
    required: bool = True                       # an empty value is refused
    nullable: bool = False                      # an empty value is None (else "" for text)
    default: Any = NO_DEFAULT
    min_length: int | None = None
    max_length: int | None = None
    minimum: Any = None
    maximum: Any = None
    step: Any = None
    choices: tuple = ()                         # ((value, text), ...) for kind "choice"
    widget: str | None = None                   # textarea, radios, select, password, email
    strip: bool = True
    validators: tuple[Callable, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name!r}: kind {self.kind!r} is not one of {KINDS}")
        if self.min_length and not self.required:     # at least one character: never empty
            object.__setattr__(self, "required", True)

    def clean(self, value):
        """`value` (a posted string, or an already typed value from a proxy call) converted to
        the field's type and checked. Raises FieldError with a message for the user."""
        if isinstance(value, str) and self.strip and self.kind != "boolean":
            value = value.strip()
        if self.kind == "boolean":
            value = _boolean(value)
        elif value is None or value == "":
            if self.required:
                raise FieldError("Required.")
            if self.nullable:
                return None
            if self.default is not NO_DEFAULT:
                return self.default            # left empty: the default (a column's, say)
            if self.kind != "text":
                raise FieldError("Required.")
            value = ""
        else:
            value = _CONVERT[self.kind](self, value)
        self._check(value)
        for validator in self.validators:
            try:
                validator(value)
            except ValueError as exc:
                raise FieldError(str(exc)) from None
        return value

    def _check(self, value) -> None:
        if self.kind == "text":
            n = len(value)
            if self.min_length is not None and n < self.min_length and (n or self.required):
                raise FieldError("Required." if self.min_length == 1 else
                                 f"At least {self.min_length} characters.")
            if self.max_length is not None and n > self.max_length:
                raise FieldError(f"At most {self.max_length} characters.")
        if self.kind in ("integer", "decimal", "float", "date", "datetime"):
            low, high = self.minimum, self.maximum
            if low is not None and value < low or high is not None and value > high:
                if low is not None and high is not None:
                    raise FieldError(f"Between {low} and {high}.")
                raise FieldError(f"At least {low}." if low is not None else f"At most {high}.")

    def form_value(self, value):
        """The value as a form control shows it (bool stays bool for checkboxes)."""
        if value is None or value is NO_DEFAULT:
            return None
        if isinstance(value, enum.Enum):
            return str(value.value)
        if isinstance(value, datetime.datetime):
            return value.strftime("%Y-%m-%dT%H:%M")
        if isinstance(value, bool):
            return value
        return str(value)


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError("Yes or no.")


def _integer(f: Field, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise FieldError("Write a whole number.")
    try:
        return int(value)
    except ValueError:
        raise FieldError("Write a whole number.") from None


def _decimal(f: Field, value) -> decimal.Decimal:
    if isinstance(value, (bool, float)):
        raise FieldError("Write a number.")
    try:
        number = decimal.Decimal(value)
    except (decimal.InvalidOperation, TypeError, ValueError):
        raise FieldError("Write a number.") from None
    if not number.is_finite():
        raise FieldError("Write a number.")
    return number


def _float(f: Field, value) -> float:
    if isinstance(value, bool):
        raise FieldError("Write a number.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FieldError("Write a number.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise FieldError("Write a number.")
    return number


def _text(f: Field, value) -> str:
    if not isinstance(value, str):
        raise FieldError("Write text.")
    return value


def _date(f: Field, value) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise FieldError("Write a date as YYYY-MM-DD.") from None


def _datetime(f: Field, value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise FieldError("Write a date and time as YYYY-MM-DDTHH:MM.") from None


def _choice(f: Field, value):
    for choice, _ in f.choices:
        if value == choice or isinstance(value, str) and value == choice_key(choice):
            return choice
    raise FieldError("Choose one of the options.")


def choice_key(value) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


_CONVERT = {"text": _text, "integer": _integer, "decimal": _decimal, "float": _float,
            "date": _date, "datetime": _datetime, "choice": _choice}


@dataclass
class Cleaned:
    """What Schema.clean made of a submission. `values` are what to show again in the form
    (the submitted text, so a mistake can be corrected); `data` the converted values, None
    while any field has an error."""
    values: dict
    errors: dict
    data: dict | None

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Schema:
    fields: tuple[Field, ...]
    validators: tuple[Callable, ...] = ()       # (data) -> None or raise ValueError: whole form
    source: Any = None                          # the dataclass or model it was made from

    def __iter__(self):
        return iter(self.fields)

    def __getitem__(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def clean(self, submitted: Mapping) -> Cleaned:
        """Convert and check every field of a submission (a request's form, or a dict of typed
        values). A missing boolean is False (an unticked checkbox is not sent)."""
        values, errors, data = {}, {}, {}
        for f in self.fields:
            raw = _get(submitted, f.name)
            values[f.name] = raw
            try:
                data[f.name] = f.clean(raw)
            except FieldError as exc:
                errors[f.name] = str(exc)
        if not errors:
            for validator in self.validators:
                try:
                    validator(data)
                except ValueError as exc:
                    errors[None] = str(exc)
                    break
        return Cleaned(values, errors, None if errors else data)

    def form_values(self, source) -> dict:
        """A record (dataclass instance, model row or dict) as form values."""
        get = source.get if isinstance(source, Mapping) else lambda n, d=None: getattr(source, n, d)
        return {f.name: f.form_value(get(f.name, None)) for f in self.fields}


def _get(submitted, name):
    getter = getattr(submitted, "get", None)
    return getter(name) if getter is not None else None


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _choices(raw) -> tuple:
    if raw is None:
        return ()
    if isinstance(raw, type) and issubclass(raw, enum.Enum):
        return tuple((m, _member_text(m)) for m in raw)
    if isinstance(raw, Mapping):
        return tuple(raw.items())
    return tuple(c if isinstance(c, tuple) else (c, _member_text(c) if isinstance(c, enum.Enum)
                                                   else str(c)) for c in raw)


def _member_text(member: enum.Enum) -> str:
    return getattr(member, "label", None) or member.name.replace("_", " ").capitalize()


def _field_options(meta: Mapping) -> dict:
    """The Field keyword arguments a metadata/info mapping gives."""
    out = {k: meta[k] for k in ("help", "min_length", "max_length", "step", "widget", "strip")
           if k in meta}
    if "label" in meta:
        out["label"] = meta["label"]
    if "min" in meta:
        out["minimum"] = meta["min"]
    if "max" in meta:
        out["maximum"] = meta["max"]
    if "validators" in meta:
        out["validators"] = tuple(meta["validators"])
    if "choices" in meta:
        out["kind"], out["choices"] = "choice", _choices(meta["choices"])
    return out


# -- dataclasses ----------------------------------------------------------------------------------

_PY_KINDS = [(bool, "boolean"), (int, "integer"), (float, "float"), (decimal.Decimal, "decimal"),
             (datetime.datetime, "datetime"), (datetime.date, "date"), (str, "text")]


def dataclass_schema(cls, *, only=None, exclude=(), validators=()) -> Schema:
    """The schema of a dataclass: kinds from the annotations (str, int, float, Decimal, bool,
    date, datetime, an Enum, Literal[...], X | None), the rest from each field's metadata.
    A field is required unless it is optional (X | None), boolean, text with a default, or
    says required=False."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    fields = []
    for f in dataclasses.fields(cls):
        if not _wanted(f.name, only, exclude) or not f.init:
            continue
        annotation, nullable = _unwrap_optional(hints[f.name])
        kind, choices = _python_kind(annotation, cls, f.name)
        default = f.default if f.default is not MISSING else (
            f.default_factory() if f.default_factory is not MISSING else NO_DEFAULT)
        required = not nullable and kind != "boolean" and not (kind == "text" and default is not NO_DEFAULT)
        options = dict(kind=kind, label=_label(f.name), choices=choices)
        options.update(_field_options(f.metadata))
        options["required"] = f.metadata.get("required", required)
        fields.append(Field(f.name, default=default, nullable=nullable, **options))
    return Schema(tuple(fields), tuple(validators), cls)


def _wanted(name, only, exclude) -> bool:
    return (only is None or name in only) and name not in exclude


def _unwrap_optional(annotation):
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def _python_kind(annotation, cls, name) -> tuple[str, tuple]:
    if typing.get_origin(annotation) is typing.Literal:
        return "choice", _choices(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", _choices(annotation)
    for python_type, kind in _PY_KINDS:
        if isinstance(annotation, type) and issubclass(annotation, python_type):
            return kind, ()
    raise TypeError(f"{cls.__name__}.{name}: no form field for the type {annotation!r}")


# -- SQLAlchemy models ----------------------------------------------------------------------------

def model_schema(model, *, only=None, exclude=(), session=None, validators=()) -> Schema:
    """The schema of a SQLAlchemy model's columns: kinds from the column types (String(n) ->
    text with max_length, Text -> textarea, Integer/Numeric/Float, Boolean, Date, DateTime, Enum
    -> choice), labels and help from column.info, required from nullability and defaults.
    An autoincrement primary key is left out. A foreign key is a choice among the related rows
    (the target column's info["label_column"], else their str() if their class has one, else
    their unique text column as the database API guesses it): that needs `session`."""
    from sqlalchemy import inspect as sa_inspect
    mapper = sa_inspect(model)
    fields = []
    for attr in mapper.column_attrs:
        if len(attr.columns) != 1 or not _wanted(attr.key, only, exclude):
            continue
        column = attr.columns[0]
        if column.primary_key and _autoincrement(column) and only is None:
            continue
        fields.append(_column_field(attr.key, column, mapper, session))
    return Schema(tuple(fields), tuple(validators), model)


def column_label(key: str, column) -> str:
    """What a column is called on a page: its info["label"], else its attribute's name ("group_id"
    of a foreign key is "Group")."""
    label = (column.info or {}).get("label")
    if label:
        return label
    return _label(key[:-3] if column.foreign_keys and key.endswith("_id") else key)


def _autoincrement(column) -> bool:
    from sqlalchemy import Integer
    return column.autoincrement is True or (column.autoincrement == "auto"
                                            and isinstance(column.type, Integer)
                                            and not column.foreign_keys)


def _column_field(key, column, mapper, session) -> Field:
    from sqlalchemy import types as sa
    info = column.info or {}
    has_default = column.default is not None or column.server_default is not None
    options: dict = dict(label=column_label(key, column), nullable=column.nullable)
    kind_type = column.type
    if isinstance(kind_type, sa.Enum):
        options.update(kind="choice", choices=_choices(kind_type.enum_class or kind_type.enums),
                       widget="radios" if len(kind_type.enums) <= 4 else "select")
    elif isinstance(kind_type, sa.Boolean):
        options["kind"] = "boolean"
    elif isinstance(kind_type, sa.DateTime):
        options["kind"] = "datetime"
    elif isinstance(kind_type, sa.Date):
        options["kind"] = "date"
    elif isinstance(kind_type, sa.Integer):
        options["kind"] = "integer"
    elif isinstance(kind_type, sa.Float):
        options["kind"] = "float"
    elif isinstance(kind_type, sa.Numeric):
        options["kind"] = "decimal"
        if kind_type.scale is not None:
            options["step"] = decimal.Decimal(1).scaleb(-kind_type.scale)
    elif isinstance(kind_type, sa.String):
        options["kind"] = "text"
        if isinstance(kind_type, sa.Text) or kind_type.length is None:
            options["widget"] = "textarea"
        else:
            options["max_length"] = kind_type.length
    else:
        raise TypeError(f"{mapper.class_.__name__}.{key}: no form field for the column type "
                        f"{kind_type!r}")
    if column.foreign_keys:
        options.update(kind="choice", widget="select", choices=_related_rows(column, key, mapper, session))
    options.update(_field_options(info))
    required = not column.nullable and not has_default and options["kind"] != "boolean"
    options["required"] = info.get("required", required)
    if column.default is not None and getattr(column.default, "is_scalar", False):
        options["default"] = column.default.arg
    return Field(key, **options)


def _related_rows(column, key, mapper, session) -> tuple:
    if session is None:
        raise TypeError(f"{mapper.class_.__name__}.{key} is a foreign key: model_form/model_schema "
                        f"need session= to list the related rows")
    from sqlalchemy import select
    (fk,) = column.foreign_keys
    target = fk.column
    related = next((m.class_ for m in mapper.registry.mappers if target.table in m.tables), None)
    if related is None:
        rows = session.execute(select(target)).scalars()
        return tuple((value, str(value)) for value in rows)
    label_column = column.info.get("label_column") or target.info.get("label_column")
    if label_column is None and related.__str__ is object.__str__:
        # No label said and no __str__: the column the database API names rows by.
        from ..data.schema import TableInfo
        label_column = _attr_for(related, TableInfo(target.table).label.column)
    out = []
    for row in session.execute(select(related)).scalars():
        value = getattr(row, _attr_for(related, target))
        text = getattr(row, label_column) if label_column else str(row)
        out.append((value, str(text)))
    return tuple(out)


def _attr_for(model, column) -> str:
    from sqlalchemy import inspect as sa_inspect
    for attr in sa_inspect(model).column_attrs:
        if column in attr.columns:
            return attr.key
    raise LookupError(f"{model.__name__} maps no attribute to {column}")
