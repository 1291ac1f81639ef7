from pycopia_www.data import ANYONE, HIDDEN, LOGGED_IN, DatabaseProxy, TableAccess

from hostsdb.models import Base


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
