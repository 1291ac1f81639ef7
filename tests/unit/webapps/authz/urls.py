"""Handlers marked with requires_role / requires_login (the web layer's side of auth)."""
from pycopia_www.urls import route

V = "webapps.authz.views."
routes = [
    route(r"^/open$", V + "open_page"),
    route(r"^/any$", V + "any_user"),
    route(r"^/admin$", V + "admin_only"),
    route(r"^/cls$", V + "Mixed"),
    route(r"^/cls-admin$", V + "AdminClass"),
]
