"""Backend ui of the demo site: the pages. Data only: no view is imported here (only the status
publisher, a timer that must be set up before the workers start)."""
from pycopia_www.urls import route

import handlers.ui.live  # noqa: F401  (publishes demo.status: see live.py)

V = "handlers.ui.views."

routes = [
    route(r"^/$", V + "home", name="home"),
    route(r"^/notes$", V + "Notes", name="notes"),
    route(r"^/settings$", V + "Settings", name="settings"),
    route(r"^/api/demo$", "handlers.ui.api.demo", name="api-demo"),
]
error_pages = {404: V + "not_found"}
