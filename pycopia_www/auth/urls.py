"""The auth backend's route table: set `app = "pycopia_www.auth.urls"` on the backend that the
virtual host's [auth] table names (see docs/auth.md)."""
from pycopia_www.urls import route

V = "pycopia_www.auth.views."

routes = [
    route(r"^/login$", V + "Login", name="auth-login"),
    route(r"^/logout$", V + "logout", name="auth-logout", methods=["POST"]),
]
# Error pages in the shipped layout (pycopia_www.ui).
error_pages = {status: "pycopia_www.ui.layout.error_page" for status in (400, 403, 404, 405, 429, 500)}
# The authorizer answers lighttpd's questions and looks up the session for the pages above.
middleware = ["pycopia_www.auth.authorizer.Authorizer"]
limits = {"max_body": 64 << 10}
