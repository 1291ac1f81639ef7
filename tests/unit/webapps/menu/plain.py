"""Menu entries for tests/unit/test_ui_menu.py."""
from pycopia_www.urls import route

V = "webapps.menu.views."

# backend "plain" (no auth) below /plain
routes = [route(r"^/$", V + "home", name="plain", menu="Plain", menu_order=30)]
