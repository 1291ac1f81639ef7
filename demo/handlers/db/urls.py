"""Backend db of the demo site: data, under its own user, in its own SQLite database (handlers/db/
models.py; docs/data.md). Routes see the whole path (a regex backend)."""
from pycopia_www.urls import TABLE_PAGES, route

routes = [
    route(r"^/status$", "handlers.db.views.status", name="status"),
    route(r"^/notes$", "handlers.db.views.Notes", name="notes", menu="Notes", menu_order=20),
    route(r"^/hosts$", "handlers.db.views.hosts", name="hosts"),
    route(r"^/data/api$", "handlers.db.api.api", name="data-api"),
    route(r"^/data/(?P<table>[a-z]+)/(?P<row>\d+)$", "handlers.db.views.row", name="row"),
    # Table pages (list, view, add, edit, delete) below one route each; anyone may read them,
    # so the entries are for those who may change the rows (docs/ui.md, "Table pages").
    route(r"^/tables/hosts/" + TABLE_PAGES, "handlers.db.tables.hosts", name="hosts-table",
          menu="Hosts", menu_order=40, menu_section="Data", menu_roles=["admin"]),
    route(r"^/tables/groups/" + TABLE_PAGES, "handlers.db.tables.groups", name="groups-table",
          menu="Groups", menu_order=42, menu_section="Data", menu_roles=["admin"]),
]
