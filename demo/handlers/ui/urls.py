"""Backend ui of the demo site: the pages. Data only: no view is imported here (only the status
publisher, a timer that must be set up before the workers start).
menu= makes a route an entry of the site's menu (pycopia_www.ui), whichever backend serves it."""
from pycopia_www.urls import route

import handlers.ui.live  # noqa: F401  (publishes demo.status: see live.py)

V = "handlers.ui.views."

routes = [
    route(r"^/$", V + "home", name="home", menu="Home", menu_order=10),
    route(r"^/settings$", V + "Settings", name="settings", menu="Settings", menu_order=30),
    route(r"^/settings/confirm$", V + "confirm_settings", name="settings-confirm", methods=["POST"]),
    route(r"^/api/demo$", "handlers.ui.api.demo", name="api-demo"),
]
# Error pages in the site's layout: the demo's own 404, the framework's page for the others.
error_pages = {403: "pycopia_www.ui.layout.error_page", 405: "pycopia_www.ui.layout.error_page",
               500: "pycopia_www.ui.layout.error_page", 404: V + "not_found"}
