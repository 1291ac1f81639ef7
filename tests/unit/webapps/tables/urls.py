from pycopia_www.urls import TABLE_PAGES, route

routes = [
    route(r"^/racks/" + TABLE_PAGES, "webapps.tables.pages.racks", name="racks", menu="Racks",
          menu_roles=["admin"]),
    route(r"^/devices/" + TABLE_PAGES, "webapps.tables.pages.devices", name="devices"),
]
