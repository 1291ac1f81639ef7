"""Handlers marked with requires_role / requires_login (the web layer's side of auth)."""
from pycopia_www.urls import route

V = "webapps.authz.views."
routes = [
    route(r"^/open$", V + "open_page"),
    route(r"^/any$", V + "any_user"),
    route(r"^/admin$", V + "admin_only"),
    route(r"^/cls$", V + "Mixed"),
    route(r"^/cls-admin$", V + "AdminClass"),
    route(r"^/form$", V + "Form"),
    route(r"^/nocsrf$", V + "echo_post", csrf=False),
]

# the same views, below /g in a backend with auth = "required"
guarded = [
    route(r"^/page$", V + "open_page"),
    route(r"^/open$", V + "open_page", public=True),
    route(r"^/ops$", V + "open_page", roles=["ops"]),
]
