"""Backend db of the demo site: data, under its own user. Routes see the whole path (a regex backend)."""
from pycopia_www.urls import route

routes = [
    route(r"^/status$", "handlers.db.views.status", name="status"),
    route(r"^/data/(?P<table>[a-z]+)/(?P<row>\d+)$", "handlers.db.views.row", name="row"),
]
