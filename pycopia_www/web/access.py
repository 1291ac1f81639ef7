"""Which routes need a logged-in user, from the backend's `auth`/`roles` (etc/backends.d) and the
route's own options. One rule, used by the authorizer (which decides for lighttpd) and by the web
layer (which checks again, so a backend never serves a protected route to nobody even if lighttpd
were configured without the authorizer).

  backend auth = "required"   every route needs a user with the backend's roles, plus the
                              route's roles=[...]; route(..., public=True) opts a route out
  backend auth = "optional"   routes are public (the user is passed when there is one);
                              route(..., login=True) or roles=[...] needs a user
  no auth                     no user ever arrives; login/roles options are a configuration error
"""
import re

from .. import rpcwire
from ..config import Backend, ConfigError
from .csrf import has_proxy_header
from .errors import Forbidden, HTTPError, Unauthorized
from .response import JSONResponse

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


def wants_json(request) -> bool:
    """A proxy call (or any script asking for JSON) gets a JSON-RPC error, not a page."""
    if has_proxy_header(request):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def rpc_refusal(status: int) -> JSONResponse:
    return JSONResponse(rpcwire.refusal(status), status=status)


def refuse(request, roles: frozenset[str] | None) -> JSONResponse | None:
    """enforce() for a route: a proxy call is refused with the JSON-RPC error the authorizer
    would have sent; a page with the HTTPError (raised)."""
    try:
        enforce(request, roles)
    except HTTPError as error:
        if wants_json(request):
            return rpc_refusal(error.status)
        raise
    return None
