"""The hosts and groups tables as pages (pycopia_www.ui.tables): a list to page, sort and search,
and a page, an edit form and a delete confirmation per row, without JavaScript. Anyone may
look; adding, editing and deleting need a logged-in user with role admin, as the database JSON
API (api.py) says. js/hosts.js at /hosts is the same table built in the browser."""
from pycopia_www.ui.tables import TablePages

from handlers.common import LAYOUT
from handlers.db.models import Group, Host

WRITERS = ["admin"]

hosts = TablePages(Host, roles=WRITERS, layout=LAYOUT, sort="name",
                   columns=["name", "address", "mac", "enabled", "group_id", "created"],
                   search=["name", "address", "mac"], exclude=["created"])

groups = TablePages(Group, roles=WRITERS, layout=LAYOUT, sort="name", search=["name"])
