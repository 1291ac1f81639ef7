"""The database JSON API: tables of a backend's database, served as a proxy that JavaScript calls.

    # handlers/db/api.py
    from pycopia_www.data import ANYONE, DatabaseProxy, TableAccess
    from handlers.db.models import Base
    api = DatabaseProxy(Base, default=TableAccess(read_roles=ANYONE, write_roles=["admin"]))

    // in a page
    const db = await connect("/data/api");
    const { rows, total } = await db.query("hosts", { enabled: true }, null, ["-created"], 0, 20);

Methods (docs/data.md has the full reference): tables(), describe(table), query(table, where,
columns, order_by, offset, limit), get(table, key), create(table, values), update(table, key,
values), delete(table, key), choices(table, column, search, limit). Each runs on the request's
session (request.db) inside its own savepoint, so a batch's failed call undoes only itself.

Rows go through the ORM where a table has a mapped class (its validators and session events see
the change), else through SQLAlchemy Core. Bad input is a JSON-RPC error -32602 whose data names
the table, column, operator or value; a missing row -32004; a constraint refusing a change -32009.
"""
import enum

from sqlalchemy import MetaData, Table, delete, func, insert, inspect as sa_inspect, select, update

from ..proxy.codec import default_registry
from ..proxy.errors import INVALID_PARAMS, NOT_FOUND, RPCError
from ..proxy.server import Proxy
from .filters import FilterLimits, compile_filter
from .permissions import TableAccess, check
from .schema import SORTABLE, Problem, TableInfo

MAX_LIMIT = 500             # rows in one page
MAX_ORDER = 5               # columns in one order_by
MAX_CHOICES = 1000


def invalid(problem: Problem) -> RPCError:
    return RPCError(INVALID_PARAMS, str(problem),
                    {"type": "InvalidQuery", "message": str(problem), **problem.details()})


def tables_of(models) -> list[tuple[Table, type | None]]:
    """(table, mapped class or None) for a declarative base, a MetaData, or a list of mapped
    classes and Tables."""
    if isinstance(models, MetaData):
        return [(t, None) for t in models.sorted_tables]
    if hasattr(models, "registry") and hasattr(models, "metadata"):     # a declarative base
        mapped = {m.local_table: m.class_ for m in models.registry.mappers}
        return [(t, mapped.get(t)) for t in models.metadata.sorted_tables]
    out = []
    for item in models:
        if isinstance(item, Table):
            out.append((item, None))
        else:
            out.append((sa_inspect(item).local_table, item))
    return out


class _DatabaseAPI:
    def __init__(self, models, access: dict, default: TableAccess, max_limit: int,
                 filter_limits: FilterLimits):
        self._access: dict[str, TableAccess] = {}
        self._info: dict[str, TableInfo] = {}
        self._max_limit = max_limit
        self._filter_limits = filter_limits
        found = tables_of(models)
        names = {t.name for t, _ in found}
        unknown = set(access) - names
        if unknown:
            raise ValueError(f"DatabaseProxy: no table(s) {', '.join(sorted(unknown))} "
                             f"(tables: {', '.join(sorted(names))})")
        for table, mapped in found:
            rules = access.get(table.name, default)
            self._access[table.name] = rules
            if rules.visible:
                self._info[table.name] = TableInfo(table, mapped, hidden=rules.hidden,
                                                   read_only=rules.read_only, label=rules.label)

    def _table(self, request, name, operation: str) -> TableInfo:
        info = self._info.get(name) if isinstance(name, str) else None
        if info is None:
            raise invalid(Problem(f"no table {name!r}", table=name if isinstance(name, str) else None))
        check(self._access[info.name], getattr(request, "user", None), info.name, operation)
        return info

    def _may(self, request, name: str, operation: str) -> bool:
        try:
            check(self._access[name], getattr(request, "user", None), name, operation)
            return True
        except RPCError:
            return False

    # -- reading ----------------------------------------------------------------------------

    def tables(self, request, db) -> list:
        """The tables you may read."""
        return [name for name in self._info if self._may(request, name, "read")]

    def describe(self, request, db, table: str) -> dict:
        """A table's columns (type, nullable, default, key, foreign key, choices, max length) and
        which operations you may do on it."""
        info = self._table(request, table, "read")
        return {**info.describe(),
                "may": {op: self._may(request, info.name, op) for op in ("create", "update", "delete")}}

    def query(self, request, db, table: str, where=None, columns=None, order_by=None,
              offset: int = 0, limit: int = 50) -> dict:
        """One page of rows matching `where`, sorted by `order_by` ("name", or "-name" for
        descending), and the total number of matching rows."""
        info = self._table(request, table, "read")
        try:
            chosen = self._columns(info, columns)
            clause = compile_filter(info, where, self._filter_limits)
            order = self._order(info, order_by)
            self._page(info, offset, limit)
        except Problem as problem:
            raise invalid(problem) from None
        stmt = select(*(c.column for c in chosen)).where(clause).order_by(*order)
        rows = db.execute(stmt.offset(offset).limit(limit)).mappings()
        total = db.scalar(select(func.count()).select_from(info.table).where(clause))
        return {"rows": [info.row(r, chosen) for r in rows], "total": total,
                "offset": offset, "limit": limit}

    def get(self, request, db, table: str, key) -> dict:
        """The row with this primary key."""
        info = self._table(request, table, "read")
        key = self._key(info, key)
        row = db.execute(select(*(c.column for c in info.columns.values()))
                         .where(info.key_clause(key))).mappings().first()
        if row is None:
            raise _not_found(info, key)
        return info.row(row)

    def choices(self, request, db, table: str, column: str, search: str | None = None,
                limit: int = 100) -> list:
        """What `column` may hold: for a foreign key, the rows it may point to as
        {"value": key, "label": text}; for an enum, its values."""
        info = self._table(request, table, "read")
        try:
            col = info.column(column)
            if not isinstance(limit, int) or not 1 <= limit <= MAX_CHOICES:
                raise col.problem(f"limit is 1 to {MAX_CHOICES}", limit)
            if col.kind == "enum":
                return [{"value": v, "label": v} for v in col.choices][:limit]
            if col.foreign_key is None:
                raise col.problem("has no foreign key or enum: no choices")
        except Problem as problem:
            raise invalid(problem) from None
        target_name, target_column = col.foreign_key
        target = self._table(request, target_name, "read")
        value = target.table.columns[target_column]
        label = target.label.column
        stmt = select(value, label).order_by(label, value).limit(limit)
        if search:
            if not isinstance(search, str) or len(search) > self._filter_limits.max_pattern:
                raise invalid(col.problem("search is a short string", search))
            stmt = stmt.where(label.icontains(search, autoescape=True))
        return [{"value": v, "label": "" if text is None else str(text)} for v, text in db.execute(stmt)]

    # -- writing ----------------------------------------------------------------------------

    def create(self, request, db, table: str, values: dict) -> dict:
        """Add a row; returns it as stored (generated key and defaults filled in)."""
        info = self._table(request, table, "create")
        try:
            checked = info.values(values, creating=True)
        except Problem as problem:
            raise invalid(problem) from None
        if info.mapped is not None:
            obj = info.mapped(**{info.columns[n].attribute: v for n, v in checked.items()})
            db.add(obj)
            db.flush()
            return info.row(obj)
        stmt = insert(info.table).values(checked).returning(*(c.column for c in info.columns.values()))
        return info.row(db.execute(stmt).mappings().one())

    def update(self, request, db, table: str, key, values: dict) -> dict:
        """Change some columns of a row; returns the row as stored."""
        info = self._table(request, table, "update")
        key = self._key(info, key)
        try:
            checked = info.values(values, creating=False)
        except Problem as problem:
            raise invalid(problem) from None
        if info.mapped is not None:
            obj = db.get(info.mapped, key if len(key) > 1 else key[0])
            if obj is None:
                raise _not_found(info, key)
            for name, value in checked.items():
                setattr(obj, info.columns[name].attribute, value)
            db.flush()
            return info.row(obj)
        stmt = (update(info.table).where(info.key_clause(key)).values(checked)
                .returning(*(c.column for c in info.columns.values())))
        row = db.execute(stmt).mappings().first() if checked else None
        if row is None:
            return self.get(request, db, table, list(key))
        return info.row(row)

    def delete(self, request, db, table: str, key) -> bool:
        """Remove a row; true when it was there (a missing row is an error)."""
        info = self._table(request, table, "delete")
        key = self._key(info, key)
        if info.mapped is not None:
            obj = db.get(info.mapped, key if len(key) > 1 else key[0])
            if obj is None:
                raise _not_found(info, key)
            db.delete(obj)
            db.flush()
            return True
        if db.execute(delete(info.table).where(info.key_clause(key))).rowcount == 0:
            raise _not_found(info, key)
        return True

    # -- checks -----------------------------------------------------------------------------

    @staticmethod
    def _key(info: TableInfo, key) -> tuple:
        try:
            return info.key(key)
        except Problem as problem:
            raise invalid(problem) from None

    @staticmethod
    def _columns(info: TableInfo, columns) -> list:
        if columns is None:
            return list(info.columns.values())
        if not isinstance(columns, list) or not columns:
            raise Problem(f"{info.name}: columns is a non-empty list of names", table=info.name,
                          value=columns)
        chosen = {c.name: c for c in info.primary_key}          # the key always comes along
        for name in columns:
            chosen[name] = info.column(name)
        return list(chosen.values())

    @staticmethod
    def _order(info: TableInfo, order_by) -> list:
        if order_by is None:
            order_by = []
        elif isinstance(order_by, str):
            order_by = [order_by]
        if not isinstance(order_by, list) or len(order_by) > MAX_ORDER:
            raise Problem(f"{info.name}: order_by is a list of at most {MAX_ORDER} column names",
                          table=info.name, value=order_by)
        order, seen = [], set()
        for item in order_by:
            if not isinstance(item, str):
                raise Problem(f"{info.name}: order_by names columns", table=info.name, value=item)
            name = item[1:] if item.startswith("-") else item
            col = info.column(name)
            if col.kind not in SORTABLE:
                raise col.problem(f"a {col.kind} column cannot be sorted")
            order.append(col.column.desc() if item.startswith("-") else col.column.asc())
            seen.add(name)
        # The key last: pages are stable when the sort columns have equal values.
        order += [c.column.asc() for c in info.primary_key if c.name not in seen]
        return order

    def _page(self, info: TableInfo, offset, limit) -> None:
        if type(offset) is not int or offset < 0:
            raise Problem(f"{info.name}: offset is a whole number >= 0", table=info.name, value=offset)
        if type(limit) is not int or not 1 <= limit <= self._max_limit:
            raise Problem(f"{info.name}: limit is 1 to {self._max_limit} rows", table=info.name,
                          value=limit)


def _not_found(info: TableInfo, key: tuple) -> RPCError:
    shown = key[0] if len(key) == 1 else list(key)
    message = f"{info.name}: no row with key {shown!r}"
    return RPCError(NOT_FOUND, message, {"type": "NotFound", "message": message, "table": info.name,
                                         "key": shown})


class DatabaseProxy(Proxy):
    """The tables of `models` (a declarative base, a MetaData, or a list of mapped classes and
    Tables) as a JSON-RPC endpoint. `access` maps table names to their TableAccess; others get
    `default` (reading needs a login, nobody writes)."""

    def __init__(self, models, *, access: dict | None = None, default: TableAccess = TableAccess(),
                 max_limit: int = MAX_LIMIT, filter_limits: FilterLimits = FilterLimits(),
                 title: str = "database", registry=default_registry, **proxy_options):
        api = _DatabaseAPI(models, dict(access or {}), default, max_limit, filter_limits)
        for table, _ in tables_of(models):
            for column in table.columns:        # enums survive the trip as their class
                enum_class = getattr(column.type, "enum_class", None)
                if isinstance(enum_class, type) and issubclass(enum_class, enum.Enum) \
                        and registry.for_class(enum_class) is None:
                    registry.register(enum_class)
        super().__init__(api, title=title, registry=registry, **proxy_options)
