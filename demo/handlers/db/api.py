"""The db backend's tables as the database JSON API (/data/api), which js/hosts.js calls.
Anyone may read; changing anything needs a logged-in user with role admin."""
from pycopia_www.data import ANYONE, DatabaseProxy, TableAccess

from handlers.db.models import Base

api = DatabaseProxy(Base, title="appliance data", default=TableAccess(
    read_roles=ANYONE, write_roles=["admin"], read_only=["created"]))
