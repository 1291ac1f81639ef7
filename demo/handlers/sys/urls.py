"""Backend sys of the demo site: the small privileged part (runs as root). Below prefix /sys."""
from pycopia_www.urls import route

routes = [
    route(r"^/$", "handlers.sys.views.index", name="sys-home"),
    route(r"^$", "handlers.sys.views.to_index"),
    route(r"^/api$", "handlers.sys.api.proxy", name="sys-api"),
    route(r"^/me$", "handlers.sys.me.me", name="sys-me"),
    # For monitoring: answers without a login (the backend's auth = "required" does not apply).
    route(r"^/health$", "handlers.sys.views.health", name="sys-health", public=True),
]
