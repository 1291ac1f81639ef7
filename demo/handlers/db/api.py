"""The db backend's tables as the database JSON API (/data/api), which js/hosts.js calls.
Anyone may read; changing anything needs a logged-in user with role admin."""
from pycopia_www.data import ANYONE, DatabaseProxy, TableAccess

from handlers.db.models import Base

PUBLIC = {"read_roles": ANYONE, "write_roles": ["admin"]}

api = DatabaseProxy(Base, title="appliance data", access={
    "groups": TableAccess(**PUBLIC),
    "hosts": TableAccess(**PUBLIC, read_only=["created"]),
    "notes": TableAccess(**PUBLIC, read_only=["created"]),
})
