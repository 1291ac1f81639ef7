from sqlalchemy import select

from pycopia_www.data import ANYONE, HIDDEN, LOGGED_IN, DatabaseProxy, TableAccess
from pycopia_www.proxy import Proxy

from hostsdb.models import Base, Group


def events_rule(user, table, operation):
    """Any user may add events; only admins change or remove them."""
    return user is not None and (operation == "create" or "admin" in user.roles)


api = DatabaseProxy(Base, access={
    "groups": TableAccess(read_roles=ANYONE, write_roles=["admin"]),
    "hosts": TableAccess(read_roles=ANYONE, write_roles=["admin"], hidden=["secret"],
                         read_only=["created"]),
    "events": TableAccess(read_roles=LOGGED_IN, write_roles=events_rule),
    "audit": HIDDEN,
})


class Inventory:
    """A plain proxy whose methods take `db`, the request's session (filled in by the server)."""

    def add_group(self, name: str, db) -> str:
        db.add(Group(name=name))
        return name

    def add_then_fail(self, name: str, db):
        db.add(Group(name=name))
        db.flush()
        raise ValueError("changed my mind")

    def groups(self, db) -> list:
        return list(db.scalars(select(Group.name).order_by(Group.name)))


plain = Proxy(Inventory(), public_errors=(ValueError,))     # its message is the test's to read
