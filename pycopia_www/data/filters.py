"""The database API's filter language: a JSON structure compiled to a SQLAlchemy expression.

    {"name": {"like": "web%"}, "enabled": true}               # entries are ANDed
    {"or": [{"group_id": 1}, {"group_id": {"is_null": true}}]}
    {"not": {"address": {"in": ["10.0.0.1", "10.0.0.2"]}}}

An entry is `column: value` (equality; null means IS NULL) or `column: {operator: value, ...}`
(ANDed). Operators: eq ne lt le gt ge in not_in like ilike is_null, each allowed only for column
kinds it makes sense for (schema.OPERATORS). `and`, `or` take a list of filters, `not` one filter.
Values are checked against the column (schema.ColumnInfo.check) and always bound as parameters:
nothing from the client is ever part of the SQL text. Depth and size are limited.
"""
from dataclasses import dataclass

from sqlalchemy import and_, not_, or_, true

from .schema import OPERATORS, Problem, TableInfo

LOGICAL = ("and", "or", "not")


@dataclass(frozen=True)
class FilterLimits:
    max_depth: int = 8              # nesting of and/or/not
    max_conditions: int = 64        # column conditions in one filter
    max_list: int = 500             # values of one in / not_in
    max_pattern: int = 200          # characters of one like / ilike pattern


def compile_filter(info: TableInfo, where, limits: FilterLimits = FilterLimits()):
    """The WHERE clause for `where` (None: every row)."""
    if where is None:
        return true()
    return _Compiler(info, limits).node(where, 0)


class _Compiler:
    def __init__(self, info: TableInfo, limits: FilterLimits):
        self.info, self.limits, self.count = info, limits, 0

    def problem(self, message: str, **where) -> Problem:
        return Problem(f"{self.info.name}: {message}", table=self.info.name, **where)

    def node(self, where, depth: int):
        if depth > self.limits.max_depth:
            raise self.problem(f"the filter nests deeper than {self.limits.max_depth}")
        if not isinstance(where, dict):
            raise self.problem("a filter is an object of column: condition", value=where)
        clauses = []
        for key, value in where.items():
            if key in LOGICAL:
                clauses.append(self.logical(key, value, depth))
            else:
                clauses.append(self.condition(key, value))
        return and_(true(), *clauses) if len(clauses) != 1 else clauses[0]

    def logical(self, key: str, value, depth: int):
        if key == "not":
            return not_(self.node(value, depth + 1))
        if not isinstance(value, list) or not value:
            raise self.problem(f"{key!r} takes a non-empty list of filters", operator=key, value=value)
        parts = [self.node(item, depth + 1) for item in value]
        return and_(*parts) if key == "and" else or_(*parts)

    def condition(self, name: str, spec):
        self.count += 1
        if self.count > self.limits.max_conditions:
            raise self.problem(f"more than {self.limits.max_conditions} conditions in one filter")
        col = self.info.column(name)
        if not isinstance(spec, dict):
            spec = {"eq": spec}
        if not spec:
            raise col.problem("an empty condition", spec)
        return and_(*(self.operator(col, op, value) for op, value in spec.items()))

    def operator(self, col, op: str, value):
        allowed = OPERATOR_SQL.keys()
        if op not in allowed:
            raise col.problem(f"unknown operator {op!r} (operators: {', '.join(allowed)})",
                              operator=op)
        if op not in OPERATORS[col.kind]:
            raise col.problem(f"operator {op!r} does not apply to a {col.kind} column", operator=op)
        c = col.column
        if op == "is_null":
            if type(value) is not bool:
                raise col.problem("is_null takes true or false", value, op)
            return c.is_(None) if value else c.is_not(None)
        if op in ("in", "not_in"):
            if not isinstance(value, (list, set, frozenset, tuple)):
                raise col.problem(f"{op} takes a list", value, op)
            if len(value) > self.limits.max_list:
                raise col.problem(f"{op} takes at most {self.limits.max_list} values", operator=op)
            values = [col.check(v, op) for v in value]
            if any(v is None for v in values):
                raise col.problem(f"{op} cannot hold null: use is_null", operator=op)
            return c.in_(values) if op == "in" else c.not_in(values)
        if value is None:
            if op in ("eq", "ne"):
                return c.is_(None) if op == "eq" else c.is_not(None)
            raise col.problem(f"{op} cannot compare with null", value, op)
        if op in ("like", "ilike"):
            if not isinstance(value, str):
                raise col.problem(f"{op} takes a pattern (a string)", value, op)
            if len(value) > self.limits.max_pattern:
                raise col.problem(f"the pattern is longer than {self.limits.max_pattern}", operator=op)
            return OPERATOR_SQL[op](c, value)
        return OPERATOR_SQL[op](c, col.check(value, op))


OPERATOR_SQL = {
    "eq": lambda c, v: c == v, "ne": lambda c, v: c != v,
    "lt": lambda c, v: c < v, "le": lambda c, v: c <= v,
    "gt": lambda c, v: c > v, "ge": lambda c, v: c >= v,
    "in": None, "not_in": None, "is_null": None,
    "like": lambda c, v: c.like(v), "ilike": lambda c, v: c.ilike(v),
}
