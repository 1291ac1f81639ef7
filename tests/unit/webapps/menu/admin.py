"""Menu entries for tests/unit/test_ui_menu.py."""
from pycopia_www.urls import route

V = "webapps.menu.views."

# backend "admin" (auth = "required", roles = ["admin"]) below /admin
routes = [
    route(r"^/$", V + "home", name="admin-home", menu="Users", menu_order=60, menu_section="Admin"),
    route(r"^/health$", V + "home", name="admin-health", menu="Health", menu_order=70, public=True),
]
