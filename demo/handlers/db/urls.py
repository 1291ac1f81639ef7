"""Backend db of the demo site: data, under its own user, in its own SQLite database (handlers/db/
models.py; docs/data.md). Routes see the whole path (a regex backend)."""
from pycopia_www.urls import route

routes = [
    route(r"^/status$", "handlers.db.views.status", name="status"),
    route(r"^/notes$", "handlers.db.views.Notes", name="notes", menu="Notes", menu_order=20),
    route(r"^/hosts$", "handlers.db.views.hosts", name="hosts"),
    route(r"^/data/api$", "handlers.db.api.api", name="data-api"),
    route(r"^/data/(?P<table>[a-z]+)/(?P<row>\d+)$", "handlers.db.views.row", name="row"),
]
