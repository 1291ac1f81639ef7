"""Backend ui of the demo site: the pages. Data only: no view is imported here."""
from pycopia_www.urls import route

V = "handlers.ui.views."

routes = [
    route(r"^/$", V + "home", name="home"),
    route(r"^/settings$", V + "Settings", name="settings"),
    route(r"^/api/demo$", "handlers.ui.api.demo", name="api-demo"),
]
error_pages = {404: V + "not_found"}
