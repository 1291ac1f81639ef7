"""Backend sys of the demo site: the small privileged part (runs as root). Below prefix /sys."""
from pycopia_www.urls import route

routes = [
    # Menu entries of a protected backend are shown only to users who may reach them.
    route(r"^/$", "handlers.sys.views.index", name="sys-home", menu="System", menu_order=50,
          menu_section="Administration"),
    route(r"^$", "handlers.sys.views.to_index"),
    route(r"^/api$", "handlers.sys.api.proxy", name="sys-api"),
    route(r"^/me$", "handlers.sys.me.me", name="sys-me", menu="Run as me", menu_order=60,
          menu_section="Administration"),
    # For monitoring: answers without a login (the backend's auth = "required" does not apply).
    route(r"^/health$", "handlers.sys.views.health", name="sys-health", public=True),
]
