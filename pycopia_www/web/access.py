"""Who may have a route, decided in one place for the web layer (Access) from the backend's
`auth`/`roles` (etc/backends.d), the route's own options and the handler's marks
(requires_role/requires_login); and whether a form post carries its CSRF token.

route_roles() is the one rule the authorizer (which decides for lighttpd) and the web layer
(which checks again, so a backend never serves a protected route to nobody even if lighttpd were
configured without the authorizer) share:

  backend auth = "required"   every route needs a user with the backend's roles, plus the
                              route's roles=[...]; route(..., public=True) opts a route out
  backend auth = "optional"   routes are public (the user is passed when there is one);
                              route(..., login=True) or roles=[...] needs a user
  no auth                     no user ever arrives; login/roles options are a configuration error
"""
import re

from ..config import Backend, ConfigError
from . import csrf
from .errors import Forbidden, Unauthorized

_ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def route_roles(backend: Backend, route) -> frozenset[str] | None:
    """None: anyone may have it. A set: a logged-in user with all these roles (empty: any user).
    `route` None means no route matched (a 404 to be): private in a "required" backend, so
    nobody learns which paths exist without logging in."""
    options = route.options if route is not None else {}
    roles = frozenset(options.get("roles", ()))
    if backend.auth == "required":
        return None if options.get("public") else frozenset(backend.roles) | roles
    if backend.auth == "optional" and (options.get("login") or roles):
        return roles
    return None


def check_route_options(backend: Backend, route, file: str, key: str) -> ConfigError | None:
    options = route.options
    for name in ("public", "login"):
        if name in options and not isinstance(options[name], bool):
            return ConfigError(file, key, f"{name}= must be True or False")
    roles = options.get("roles", ())
    if isinstance(roles, str) or not all(isinstance(r, str) and _ROLE.match(r) for r in roles):
        return ConfigError(file, key, "roles= must be a list of role names like ['admin']")
    if backend.auth is None and (options.get("login") or roles or options.get("public")):
        return ConfigError(file, key, f"login/roles/public options need `auth` on backend "
                                      f"{backend.ident} in {backend.file}")
    if options.get("public") and (options.get("login") or roles):
        return ConfigError(file, key, "a route cannot be public and need a login")
    if options.get("public") and backend.auth != "required":
        return ConfigError(file, key, 'public=True means something only with auth = "required"')
    if options.get("login") and backend.auth == "required":
        return ConfigError(file, key, 'login=True is the default with auth = "required"')
    return None


def enforce(request, roles: frozenset[str] | None) -> None:
    """401 without a user, 403 for a user who lacks one of `roles` (None: no check)."""
    if roles is None:
        return
    user = request.user
    if user is None:
        raise Unauthorized("login required")
    if not user.has_roles(roles):
        raise Forbidden("your roles do not allow this")


class Access:
    """The access decision for one backend's requests, made once the route and handler are
    known (after the method check, before the handler runs). Raises Unauthorized/Forbidden."""

    def __init__(self, backend: Backend | None):
        self.backend = backend
        self._unrouted = route_roles(backend, None) if backend is not None else None
        self._routes: dict[int, frozenset[str] | None] = {}

    def _route_roles(self, route) -> frozenset[str] | None:
        key = id(route)
        if key not in self._routes:
            self._routes[key] = route_roles(self.backend, route) if self.backend is not None else None
        return self._routes[key]

    def check_unrouted(self, request) -> None:
        """No route matched: a 404 to be, but private in a "required" backend, so nobody learns
        which paths exist without logging in."""
        enforce(request, self._unrouted)

    def check(self, request, route, handler) -> None:
        roles, marked = self._route_roles(route), handler.required_roles(request.method)
        if roles is not None or marked is not None:
            enforce(request, (roles or frozenset()) | (marked or frozenset()))
        if route.options.get("csrf", True) and not handler.csrf_exempt:
            csrf.verify(request)
