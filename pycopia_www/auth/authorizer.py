"""The auth backend's middleware: the FastCGI authorizer lighttpd asks before every request to a
protected backend, and the session lookup for the auth backend's own pages.

As authorizer (FCGI_ROLE=AUTHORIZER; lighttpd sends the request's headers, no body) it answers
  200 + Variable-REMOTE_USER, -PWWW_ROLES, -PWWW_SESSION, -PWWW_CSRF   a user who may go on
  200 with no variables                  a public route, nobody logged in
  302 to the login page                  a page that needs a login (GET/HEAD)
  401 (JSON-RPC error body for proxy calls, text otherwise)   a call or post that needs a login
  403                                    a user without the route's roles
lighttpd sends anything but 200 to the client; the protected backend never sees that request.
"""
import base64
import hmac
import logging
import os
from hashlib import sha256
from pathlib import Path
from urllib.parse import unquote_to_bytes

from .. import rpcwire
from ..markup.negotiate import prefers
from ..web.access import route_roles
from ..web.csrf import has_proxy_header
from ..web.response import JSONResponse, Redirect, Response
from .store import Session, Store

log = logging.getLogger("pycopia_www.auth")

SESSION_COOKIE = "pwww_session"
SECURE_SESSION_COOKIE = "__Host-pwww_session"   # over HTTPS: Secure, Path=/, no Domain
STORE_FILE = "auth.sqlite"                      # in the auth backend's state directory
SECRET_FILE = "secret.key"
VARIABLES = ("REMOTE_USER", "PWWW_ROLES", "PWWW_SESSION", "PWWW_CSRF")


def session_cookie_name(request) -> str:
    return SECURE_SESSION_COOKIE if request.scheme == "https" else SESSION_COOKIE


def _load_secret(path: Path) -> bytes:
    """The key CSRF tokens are derived with; made once, readable by this backend's user only.
    Several workers may race to make it: O_EXCL lets exactly one write it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(os.urandom(32))
    return path.read_bytes()


class Service:
    """One per process: the store, the secret and the session rules of this virtual host."""

    def __init__(self, settings, directory: Path = Path(".")):
        self.settings = settings
        self.store = Store(directory / STORE_FILE)
        self.secret = _load_secret(directory / SECRET_FILE)

    def csrf_token(self, session_id: str) -> str:
        mac = hmac.new(self.secret, b"csrf:" + session_id.encode(), sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def current(self, request) -> Session | None:
        token = request.cookies.get(session_cookie_name(request))
        if not token or len(token) > 100:
            return None
        return self.store.session(token, self.settings.idle_timeout, self.settings.max_age)

    def variables(self, session: Session) -> dict[str, str]:
        return {"REMOTE_USER": session.user, "PWWW_ROLES": ",".join(sorted(session.roles)),
                "PWWW_SESSION": session.id, "PWWW_CSRF": self.csrf_token(session.id)}


_services: dict[str, Service] = {}     # per virtual host, made on first use in each worker


def service(request) -> Service:
    vhost = request.urls.vhost
    if vhost.name not in _services:
        _services[vhost.name] = Service(vhost.auth)
    return _services[vhost.name]


class Authorizer:
    """A middleware hook (see docs/web.md) for the auth backend's route module."""

    def before(self, request):
        environ = request.environ
        for name in VARIABLES:          # only this hook says who is logged in here
            environ.pop(name, None)
        svc = service(request)
        session = svc.current(request)
        if environ.get("FCGI_ROLE") == "AUTHORIZER":
            return decide(request, svc, session)
        if session is not None:
            environ.update(svc.variables(session))
        return None


def request_path(environ) -> str:
    """The decoded path lighttpd routed on, from REQUEST_URI (an authorizer gets no PATH_INFO)."""
    raw = environ.get("REQUEST_URI", "/").encode("latin-1").split(b"?", 1)[0]
    path = unquote_to_bytes(raw).decode("utf-8", "replace")
    parts: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if parts:
                parts.pop()
        elif segment != ".":
            parts.append(segment)
    return "/" + "/".join(parts)


def decide(request, service: Service, session: Session | None):
    where = request.urls.resolve(request_path(request.environ))
    if where.backend is None or where.backend.auth is None:
        # lighttpd asks only about protected backends; a disagreement about the path is refused.
        log.warning("authorizer asked about %r, which is not a protected path",
                    request.environ.get("REQUEST_URI"))
        return Response("forbidden\n", 403)
    roles = route_roles(where.backend, where.placed.route if where.placed else None)
    if session is not None:
        if roles is None or roles <= session.roles:
            return Response("", 200, [(f"Variable-{k}", v) for k, v in service.variables(session).items()])
        if wants_json(request):
            return rpc_refusal(403)
        return Response("Your roles do not allow this page.\n", 403)
    if roles is None:
        return Response("", 200)
    if wants_json(request):
        return rpc_refusal(401)
    if request.method in ("GET", "HEAD"):
        target = request.environ.get("REQUEST_URI", "/")
        return Redirect(request.get_url("auth-login", _query={"next": target}), 302)
    return Response("login required\n", 401)


def wants_json(request) -> bool:
    """A proxy call (or any script asking for JSON) gets a JSON-RPC error, not a page."""
    return has_proxy_header(request) or prefers(request.headers.get("Accept"), "application/json")


def rpc_refusal(status: int) -> JSONResponse:
    return JSONResponse(rpcwire.refusal(status), status=status)
