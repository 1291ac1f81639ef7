"""Who may read and write each table through the database API, and what it hides.

    TableAccess(read_roles=ANYONE, write_roles=["admin"], hidden=["password_hash"])

A rule is ANYONE (no login needed), LOGGED_IN (any user), a list of roles (a user with all of
them), NOBODY, or a callable rule(user, table, operation) -> bool for anything finer (user is
request.user, None when nobody is logged in; operation is "read", "create", "update" or
"delete"). A refusal is the JSON-RPC error a protected route gives: login required (-32001)
without a user, forbidden (-32003) with one.
"""
from dataclasses import dataclass

from ..rpcwire import FORBIDDEN, LOGIN_REQUIRED
from ..proxy.errors import RPCError

ANYONE = None
LOGGED_IN = ()
NOBODY = "nobody"
OPERATIONS = ("read", "create", "update", "delete")


@dataclass(frozen=True)
class TableAccess:
    read_roles: object = LOGGED_IN
    write_roles: object = NOBODY
    hidden: tuple = ()                  # columns that never leave nor enter (password hashes)
    read_only: tuple = ()               # shown, never written through the API (created, ...)
    label: str | None = None            # the column naming a row in choices(); else guessed
    visible: bool = True                # False: the table does not exist as far as clients know

    def __post_init__(self):
        for name in ("read_roles", "write_roles"):
            rule = getattr(self, name)
            if not (rule is ANYONE or rule == NOBODY or callable(rule)
                    or (isinstance(rule, (list, tuple, set, frozenset))
                        and all(isinstance(r, str) for r in rule))):
                raise ValueError(f"TableAccess.{name}: ANYONE, LOGGED_IN, NOBODY, a list of roles "
                                 f"or a callable, not {rule!r}")

    def rule(self, operation: str):
        return self.read_roles if operation == "read" else self.write_roles


HIDDEN = TableAccess(visible=False)


def permits(rule, user, table: str, operation: str) -> bool:
    if rule is ANYONE:
        return True
    if rule == NOBODY:
        return False
    if callable(rule):
        return bool(rule(user, table, operation))
    return user is not None and frozenset(rule) <= user.roles


def check(access: TableAccess, user, table: str, operation: str) -> None:
    """Raise the JSON-RPC refusal unless `user` may do `operation` on `table`."""
    if permits(access.rule(operation), user, table, operation):
        return
    if user is None:
        raise RPCError(LOGIN_REQUIRED, f"{table}: login required to {operation}",
                       {"type": "LoginRequired", "message": f"{table}: login required to {operation}",
                        "table": table, "operation": operation})
    message = f"{table}: {user.name} may not {operation}"
    raise RPCError(FORBIDDEN, message, {"type": "Forbidden", "message": message, "table": table,
                                        "operation": operation})
