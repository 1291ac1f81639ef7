"""Menu entries for tests/unit/test_ui_menu.py."""
from pycopia_www.urls import route

V = "webapps.menu.views."

# a menu entry whose URL needs a parameter: refused
routes = [route(r"^/item/(?P<n>\d+)$", V + "home", menu="Item")]
