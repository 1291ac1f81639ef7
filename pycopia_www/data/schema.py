"""What a table looks like from outside: its visible columns, their kinds and rules, and the checks
a value from a client must pass before it goes near SQL.

The database JSON API (api.py) describes tables and checks values with this; so can anything
else generated from the schema (forms, table pages). A problem is a Problem naming the table,
column, operator or value it is about.
"""
import enum
import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import Enum, Table, Text, and_, inspect as sa_inspect
from sqlalchemy.orm import Mapper

MAX_INT = 2 ** 63 - 1               # what every supported database stores in a BIGINT
_ABSENT = object()


class Problem(ValueError):
    """Bad input for a table; `details()` is what a client is told about where it is."""

    def __init__(self, message: str, *, table: str | None = None, column: str | None = None,
                 operator: str | None = None, value=_ABSENT):
        super().__init__(message)
        self.table, self.column, self.operator, self.value = table, column, operator, value

    def details(self) -> dict:
        out = {k: v for k, v in (("table", self.table), ("column", self.column),
                                 ("operator", self.operator)) if v is not None}
        if self.value is not _ABSENT:
            out["value"] = _short(self.value)
        return out


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(column) -> str:
    t = column.type
    if isinstance(t, Enum):
        return "enum"
    try:
        python = t.python_type
    except NotImplementedError:
        return "other"
    if python is str:
        return "text" if isinstance(t, Text) and not getattr(t, "length", None) else "string"
    for cls, name in ((bool, "boolean"), (int, "integer"), (float, "float"), (Decimal, "decimal"),
                      (datetime, "datetime"), (date, "date"), (time, "time"), (uuid.UUID, "uuid"),
                      (bytes, "bytes")):
        if issubclass(python, cls):
            return name
    return "json" if python in (dict, list, object) else "other"


# Which operators make sense for which kind of column.
_EQUALITY = frozenset({"eq", "ne", "in", "not_in", "is_null"})
_ORDER = frozenset({"lt", "le", "gt", "ge"})
_LIKE = frozenset({"like", "ilike"})
OPERATORS = {
    "integer": _EQUALITY | _ORDER, "float": _EQUALITY | _ORDER, "decimal": _EQUALITY | _ORDER,
    "date": _EQUALITY | _ORDER, "datetime": _EQUALITY | _ORDER, "time": _EQUALITY | _ORDER,
    "string": _EQUALITY | _ORDER | _LIKE, "text": _EQUALITY | _ORDER | _LIKE,
    "boolean": _EQUALITY, "enum": _EQUALITY, "uuid": _EQUALITY, "bytes": _EQUALITY,
    "json": frozenset({"is_null"}), "other": frozenset({"is_null"}),
}
SORTABLE = frozenset(k for k, ops in OPERATORS.items() if "lt" in ops) | {"boolean", "enum", "uuid"}


@dataclass(frozen=True)
class ColumnInfo:
    table: str
    name: str
    column: object                  # the SQLAlchemy Column
    attribute: str                  # the mapped class's attribute for it (else the name)
    kind: str
    read_only: bool

    @property
    def nullable(self) -> bool:
        return bool(self.column.nullable)

    @property
    def max_length(self) -> int | None:
        return getattr(self.column.type, "length", None) if self.kind in ("string", "text") else None

    @property
    def choices(self) -> list | None:
        if self.kind != "enum":
            return None
        return list(self.column.type.enums)

    @property
    def foreign_key(self) -> tuple[str, str] | None:
        for fk in self.column.foreign_keys:
            return fk.column.table.name, fk.column.name
        return None

    @property
    def generated(self) -> bool:
        """The database or the model fills it in when a new row leaves it out."""
        c = self.column
        auto = c.primary_key and self.kind == "integer" and c.autoincrement in (True, "auto") \
            and len(c.table.primary_key.columns) == 1
        return bool(auto or c.default is not None or c.server_default is not None)

    def describe(self) -> dict:
        default = self.column.default
        return {
            "name": self.name, "type": self.kind, "nullable": self.nullable,
            "primary_key": bool(self.column.primary_key),
            "default": default.arg if default is not None and default.is_scalar else None,
            "generated": self.generated, "read_only": self.read_only,
            "max_length": self.max_length, "choices": self.choices,
            "foreign_key": dict(zip(("table", "column"), self.foreign_key)) if self.foreign_key else None,
            "operators": sorted(OPERATORS[self.kind]),
        }

    def problem(self, message: str, value=_ABSENT, operator: str | None = None) -> Problem:
        return Problem(f"{self.table}.{self.name}: {message}", table=self.table, column=self.name,
                       operator=operator, value=value)

    def check(self, value, operator: str | None = None):
        """The value as this column stores it; a Problem if it is not one it can hold."""
        if value is None:
            if not self.nullable and operator is None:
                raise self.problem("may not be null", value)
            return None
        checked = _CHECKS.get(self.kind, _any)(self, value)
        if checked is _ABSENT:
            article = "an" if self.kind[0] in "aeiou" else "a"
            raise self.problem(f"{type(value).__name__} is not {article} {self.kind} value", value,
                               operator)
        return checked


def _integer(col, v):
    if type(v) is int or (isinstance(v, float) and v.is_integer()):
        if abs(v) > MAX_INT:
            raise col.problem("out of range", v)
        return int(v)
    return _ABSENT


def _float(col, v):
    return float(v) if type(v) in (int, float) or isinstance(v, Decimal) else _ABSENT


def _decimal(col, v):
    if type(v) is bool or not isinstance(v, (int, float, Decimal)):
        return _ABSENT
    try:
        d = v if isinstance(v, Decimal) else Decimal(repr(v))
    except InvalidOperation:
        return _ABSENT
    if not d.is_finite():
        raise col.problem("must be a finite number", v)
    return d


def _string(col, v):
    if not isinstance(v, str):
        return _ABSENT
    if col.max_length is not None and len(v) > col.max_length:
        raise col.problem(f"longer than {col.max_length} characters", v)
    if "\x00" in v:
        raise col.problem("contains a NUL character", v)
    return v


def _enum(col, v):
    enum_class = col.column.type.enum_class
    if enum_class is not None and isinstance(v, enum_class):
        return v
    if isinstance(v, enum.Enum):
        v = v.name
    if isinstance(v, str):
        if v in col.choices:
            return enum_class[v] if enum_class is not None else v
        raise col.problem(f"not one of {', '.join(col.choices)}", v)
    return _ABSENT


def _datetime(col, v):
    if not isinstance(v, datetime):
        return _ABSENT
    if col.column.type.timezone:
        if v.tzinfo is None:
            raise col.problem("needs a time zone", v)
        # In UTC, so that SQLite (which keeps no offset) stores the same instant as PostgreSQL.
        return v.astimezone(timezone.utc)
    # A column without time zones holds UTC.
    return v.astimezone(timezone.utc).replace(tzinfo=None) if v.tzinfo is not None else v


def _uuid(col, v):
    if isinstance(v, uuid.UUID):
        return v
    if isinstance(v, str):
        try:
            return uuid.UUID(v)
        except ValueError:
            raise col.problem("not a UUID", v) from None
    return _ABSENT


def _exactly(*types):
    def check(col, v):
        return v if isinstance(v, types) and not (type(v) is datetime and date in types and
                                                   datetime not in types) else _ABSENT
    return check


def _any(col, v):
    if isinstance(v, float) and not math.isfinite(v):
        raise col.problem("must be a finite number", v)
    return v


_CHECKS = {"integer": _integer, "float": _float, "decimal": _decimal, "string": _string,
           "text": _string, "enum": _enum, "datetime": _datetime, "uuid": _uuid,
           "boolean": lambda col, v: v if type(v) is bool else _ABSENT,
           "date": _exactly(date), "time": _exactly(time), "bytes": _exactly(bytes, bytearray)}


class TableInfo:
    """One table as clients see it: hidden columns are left out everywhere."""

    def __init__(self, table: Table, mapped: type | None = None, *, hidden=(), read_only=(),
                 label: str | None = None):
        self.table = table
        self.name = table.name
        self.mapped = mapped
        mapper: Mapper | None = sa_inspect(mapped) if mapped is not None else None
        for name in (*hidden, *read_only, *([label] if label else [])):
            if name not in table.columns:
                raise ValueError(f"table {table.name} has no column {name!r}")
        hidden_pk = [c.name for c in table.primary_key.columns if c.name in hidden]
        if hidden_pk:
            raise ValueError(f"{table.name}: the primary key ({', '.join(hidden_pk)}) cannot be hidden")
        self.columns: dict[str, ColumnInfo] = {}
        for c in table.columns:
            if c.name in hidden:
                continue
            attribute = mapper.get_property_by_column(c).key if mapper is not None else c.name
            self.columns[c.name] = ColumnInfo(table.name, c.name, c, attribute, _kind(c),
                                              c.name in read_only)
        self.primary_key = [self.columns[c.name] for c in table.primary_key.columns]
        if not self.primary_key:
            raise ValueError(f"table {table.name} has no primary key")
        self.label = self.columns[label] if label else self._guess_label()
        self._zoned = [c for c in self.columns.values()
                       if c.kind == "datetime" and c.column.type.timezone]

    def _guess_label(self) -> ColumnInfo:
        """What names a row to a person: a unique text column, else any text column, else the key."""
        texts = [c for c in self.columns.values()
                 if c.kind in ("string", "text") and not c.column.primary_key]
        unique = [c for c in texts if c.column.unique]
        return (unique or texts or self.primary_key)[0]

    def column(self, name, operator: str | None = None) -> ColumnInfo:
        if not isinstance(name, str) or name not in self.columns:
            raise Problem(f"{self.name}: no column {name!r}", table=self.name,
                          column=name if isinstance(name, str) else None, operator=operator)
        return self.columns[name]

    def describe(self) -> dict:
        return {"name": self.name, "primary_key": [c.name for c in self.primary_key],
                "label": self.label.name, "columns": [c.describe() for c in self.columns.values()]}

    def key(self, key) -> tuple:
        """A primary key from a client: the value (one-column keys), or a list in key order, or
        an object naming every key column."""
        names = [c.name for c in self.primary_key]
        if isinstance(key, dict):
            if set(key) != set(names):
                raise Problem(f"{self.name}: a key names exactly {', '.join(names)}", table=self.name,
                              value=key)
            values = [key[n] for n in names]
        elif isinstance(key, list):
            values = key
        else:
            values = [key]
        if len(values) != len(names):
            raise Problem(f"{self.name}: the key has {len(names)} part(s)", table=self.name, value=key)
        checked = []
        for col, value in zip(self.primary_key, values):
            if value is None:
                raise col.problem("a key is never null", value)
            checked.append(col.check(value))
        return tuple(checked)

    def key_clause(self, key: tuple):
        return and_(*(c.column == v for c, v in zip(self.primary_key, key)))

    def values(self, values, *, creating: bool) -> dict:
        """Checked column values for a new row or an update (by column name)."""
        if not isinstance(values, dict):
            raise Problem(f"{self.name}: values are an object of column: value", table=self.name,
                          value=values)
        out = {}
        for name, value in values.items():
            col = self.column(name)
            if col.read_only:
                raise col.problem("is read-only", value)
            if col.column.primary_key and not creating:
                raise col.problem("a primary key cannot be changed", value)
            out[name] = col.check(value)
        if creating:
            missing = [c.name for c in self.columns.values()
                       if c.name not in out and not c.nullable and not c.generated]
            if missing:
                raise Problem(f"{self.name}: a new row needs {', '.join(missing)}", table=self.name,
                              column=missing[0])
        return out

    def row(self, obj, columns=None) -> dict:
        """A visible row (or its `columns`) from a result mapping or a mapped object."""
        columns = columns or self.columns.values()
        if self.mapped is not None and isinstance(obj, self.mapped):
            row = {c.name: getattr(obj, c.attribute) for c in columns}
        else:
            row = {c.name: obj[c.column] for c in columns}
        for c in self._zoned:
            value = row.get(c.name)
            if value is not None and value.tzinfo is None:
                row[c.name] = value.replace(tzinfo=timezone.utc)     # SQLite: stored as UTC
        return row
