"""The auth backend's middleware: the FastCGI authorizer lighttpd asks before every request to a
protected backend, and the session lookup for the auth backend's own pages.

As authorizer (FCGI_ROLE=AUTHORIZER; lighttpd sends the request's headers, no body) it answers
  400                                    a path that is not canonical (web/routed_path.py)
  200 + Variable-REMOTE_USER, -PWWW_ROLES, -PWWW_SESSION, -PWWW_CSRF   a user who may go on
  200 with no identity                   a public route, nobody logged in
(every 200 carries Variable-PWWW_AUTHZ_PATH, the path it decided on)
  302 to the login page                  a page that needs a login (GET/HEAD)
  401 (JSON-RPC error body for proxy calls, text otherwise)   a call or post that needs a login
  403                                    a user without the route's roles
lighttpd sends anything but 200 to the client; the protected backend never sees that request.
"""
import base64
import hmac
import logging
import os
import tempfile
import time
from hashlib import sha256
from pathlib import Path

from .. import rpcwire
from ..events import reauthorize
from ..markup.negotiate import prefers
from ..web.access import route_roles
from ..web.csrf import has_proxy_header
from ..web.response import JSONResponse, Redirect, Response
from ..web.routed_path import AUTHZ_PATH, canonical_path
from .store import Session, Store
from .streams import decide_stream

log = logging.getLogger("pycopia_www.auth")

SESSION_COOKIE = "pwww_session"
SECURE_SESSION_COOKIE = "__Host-pwww_session"   # over HTTPS: Secure, Path=/, no Domain
STORE_FILE = "auth.sqlite"                      # in the auth backend's state directory
SECRET_FILE = "secret.key"
SECRET_SIZE = 32
VARIABLES = ("REMOTE_USER", "PWWW_ROLES", "PWWW_SESSION", "PWWW_CSRF", "PWWW_SESSION_ENDS")


def session_cookie_name(request) -> str:
    return SECURE_SESSION_COOKIE if request.scheme == "https" else SESSION_COOKIE


class SecretKeyError(RuntimeError):
    """secret.key is not a whole key: the backend must not derive tokens from it."""


def _load_secret(path: Path, wait: float = 2.0) -> bytes:
    """The key CSRF tokens are derived with; made once, readable by this backend's user only.

    Several workers may race to make it. Each writes a whole key to a temp file and links it into
    place; link() fails if another got there first, and then that one's key is read. So the name
    only ever holds a whole key. A short file (left by an older writer still at work) is waited
    for up to `wait` seconds, then refused: a key of the wrong size is never used.
    """
    try:
        return _read_secret(path, wait)
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=".secret-", dir=path.parent)    # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(SECRET_SIZE))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return _read_secret(path, wait)


def _read_secret(path: Path, wait: float) -> bytes:
    deadline = time.monotonic() + wait
    while True:
        key = path.read_bytes()
        if len(key) == SECRET_SIZE:
            return key
        if time.monotonic() >= deadline:
            raise SecretKeyError(f"{path} has {len(key)} bytes, expected {SECRET_SIZE}: "
                                 "remove it (every session's CSRF token changes) and restart")
        time.sleep(0.05)


class Service:
    """One per process: the store, the secret and the session rules of this virtual host."""

    def __init__(self, settings, directory: Path = Path(".")):
        self.settings = settings
        # Sessions that end or change end their event streams too (docs/events.md).
        self.store = Store(directory / STORE_FILE, password_cost=settings.password_cost,
                           on_change=reauthorize)
        self.secret = _load_secret(directory / SECRET_FILE)

    def csrf_token(self, session_id: str) -> str:
        mac = hmac.new(self.secret, b"csrf:" + session_id.encode(), sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def current(self, request, *, touch: bool = True) -> Session | None:
        token = request.cookies.get(session_cookie_name(request))
        if not token or len(token) > 100:
            return None
        return self.store.session(token, self.settings.idle_timeout, self.settings.max_age,
                                  touch=touch)

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
        for name in (*VARIABLES, AUTHZ_PATH):   # only this hook says who is logged in here
            environ.pop(name, None)
        svc = service(request)
        if environ.get("FCGI_ROLE") == "AUTHORIZER":
            routed = canonical_path(environ.get("REQUEST_URI", "/"))    # None: decide() refuses
            target = request.urls.resolve(routed[1]).backend if routed else None
            if target is not None and target.kind == "events":
                return decide_stream(request, svc, target)
        session = svc.current(request)
        if environ.get("FCGI_ROLE") == "AUTHORIZER":
            return decide(request, svc, session)
        if session is not None:
            environ.update(svc.variables(session))
        return None


def decide(request, service: Service, session: Session | None):
    routed = canonical_path(request.environ.get("REQUEST_URI", "/"))
    if routed is None:
        # lighttpd would route it as something else than it reads (//, /./, %2e, %2f ...).
        log.warning("authorizer refused the non-canonical path %r", request.environ.get("REQUEST_URI"))
        return Response("Bad request: the path is not in canonical form "
                        "(no //, /./, /../, or escaped letters, digits, dots or slashes).\n", 400)
    raw, path = routed
    where = request.urls.resolve(path)
    if where.backend is None or where.backend.auth is None:
        # lighttpd asks only about protected backends; a disagreement about the path is refused.
        log.warning("authorizer asked about %r, which is not a protected path",
                    request.environ.get("REQUEST_URI"))
        return Response("forbidden\n", 403)
    roles = route_roles(where.backend, where.placed.route if where.placed else None)
    if session is not None:
        if roles is None or roles <= session.roles:
            return Response("", 200, [(f"Variable-{k}", v) for k, v in
                                      {**service.variables(session), AUTHZ_PATH: raw}.items()])
        if wants_json(request):
            return rpc_refusal(403)
        return Response("Your roles do not allow this page.\n", 403)
    if roles is None:
        return Response("", 200, [(f"Variable-{AUTHZ_PATH}", raw)])
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
