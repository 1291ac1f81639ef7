"""Menu entries for tests/unit/test_ui_menu.py."""
from pycopia_www.urls import route

V = "webapps.menu.views."

# backend "pages" (auth = "optional"): public entries, one that needs a login, one for ops
routes = [
    route(r"^/$", V + "home", name="home", menu="Home", menu_order=1),
    route(r"^/about$", V + "home", name="about", menu="About"),            # default order: 100
    route(r"^/mine$", V + "home", name="mine", menu="Mine", menu_order=40, login=True),
    # anyone may open it; the entry is for those who may change what it shows (ops)
    route(r"^/inventory$", V + "home", name="inventory", menu="Inventory", menu_order=45,
          menu_roles=["ops"]),
    route(r"^/ops$", V + "home", name="ops", menu="Operations", menu_order=50, roles=["ops"],
          menu_section="Admin", menu_icon="/media/ops.svg"),
    route(r"^/row/(?P<n>\d+)$", V + "home", name="row"),                   # not in the menu
    route(r"^/broken$", V + "broken", name="broken"),
]
error_pages = {404: "pycopia_www.ui.layout.error_page", 500: "pycopia_www.ui.layout.error_page"}
