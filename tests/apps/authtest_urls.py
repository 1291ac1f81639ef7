"""A protected backend for the auth integration tests: it records every request it is given (so a
test can count what the authorizer let through) and shows what lighttpd passed it."""
from pycopia_www.urls import route

V = "authtest_views."
routes = [
    route(r"^/$", V + "whoami"),
    route(r"^/open$", V + "whoami", public=True),
    route(r"^/admin$", V + "whoami", roles=["admin"]),
    route(r"^/form$", V + "form", methods=["GET", "POST"]),
]
