"""An in-process test client: a backend's application, from the site's own configuration, called
with a WSGI environ like the one lighttpd would send. No lighttpd, no sockets.

    client = Client.for_backend("demo/etc/farm.toml", "appliance.ui")   # one backend
    client = Client.for_site("demo/etc/farm.toml")                     # route like lighttpd
    r = client.post("/login", data={"user": "ann"}, follow=True)
    assert r.status == 200 and "session" in client.cookies
    client.login("ann", roles=["admin"])     # as if the auth backend had let ann through
    assert client.get("/sys/").status == 200

Cookies the application sets are kept and sent back (by name only: domains and paths are not
modelled). A response with X-Sendfile gets the file's bytes as its body, as lighttpd would send.
"""
import io
import json as jsonlib
import secrets
import sys
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlencode, urlsplit
from wsgiref.validate import validator

from .config import Site, load_site
from .config.hosts import served_names
from .web import csrf
from .web.app import build_app
from .web.headers import Headers
from .web.identity import User
from .web.urlmap import UrlMap

REDIRECTS = (301, 302, 303, 307, 308)


class TestResponse:
    __test__ = False     # not a pytest test class

    def __init__(self, status_line: str, headers: Headers, body: bytes):
        self.status_line = status_line
        self.status = int(status_line.split(" ", 1)[0])
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return jsonlib.loads(self.body)

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    def __repr__(self) -> str:
        return f"<TestResponse {self.status_line} {len(self.body)} bytes>"


def _loaded(site: Site | str | Path) -> Site:
    """The site, with its import paths on sys.path as a backend of it would have them."""
    site = site if isinstance(site, Site) else load_site(Path(site))
    for b in site.backends:
        for path in reversed(site.import_paths(b)):
            if path not in sys.path:
                sys.path.insert(0, path)
    return site


def _built(site: Site, backend, **kw):
    """build_app, after doing what `websitectl setup` does for a backend with a database: bring
    its schema to the newest revision (a relative SQLite file is in the working directory)."""
    if backend.database is not None:
        from .data.migrate import Schema
        schema = Schema(backend.database)
        try:
            schema.upgrade()
        finally:
            schema.close()
    return build_app(site, backend, **kw)


class Client:
    __test__ = False

    def __init__(self, app, *, route=None, host: str | None = None, scheme: str = "http",
                 port: int | None = None, remote_addr: str = "127.0.0.1", sendfile: bool = True,
                 validate: bool = True, csrf: bool = True, user: "str | User | None" = None,
                 roles=()):
        """`app`: a backend's application (build_app). For a whole virtual host use for_site.
        user=/roles=: log in at once (see login)."""
        self._route = route or _single_backend_route(app)
        self.host = host or _default_host(app)
        self.scheme = scheme
        self.port = port or (443 if scheme == "https" else 80)
        self.remote_addr = remote_addr
        self.sendfile = sendfile
        self.validate = validate
        self.csrf = csrf            # fill in form posts' CSRF token, as a page's form would
        self.cookies: dict[str, str] = {}
        # Variables lighttpd adds to every request, e.g. what an authorizer passed (REMOTE_USER).
        self.environ: dict[str, str] = {}
        self.user: User | None = None
        self._login: dict[str, str] = {}
        if user is not None:
            self.login(user, roles=roles)

    # -- who is logged in -----------------------------------------------------------------------

    def login(self, user: "str | User", roles=(), *, session: str | None = None) -> User:
        """Send the following requests as `user` (a name or a User) with `roles`, the way
        lighttpd sends them once the auth backend's authorizer has let them through: REMOTE_USER,
        PWWW_ROLES, PWWW_SESSION and the session's PWWW_CSRF token (which form posts then carry).
        Like lighttpd, only backends with `auth` set receive them. No password, no store: to
        test the login page itself, post to it."""
        if not isinstance(user, User):
            user = User(user, frozenset(roles), session or "test-" + secrets.token_hex(8))
        self.user = user
        self._login = {"REMOTE_USER": user.name, "PWWW_ROLES": ",".join(sorted(user.roles)),
                       "PWWW_SESSION": user.session, "PWWW_CSRF": secrets.token_urlsafe(32)}
        return user

    def logout(self) -> None:
        """Send the following requests as nobody (also drops variables set by hand in environ)."""
        self.user, self._login = None, {}
        for name in ("REMOTE_USER", "PWWW_ROLES", "PWWW_SESSION", "PWWW_CSRF"):
            self.environ.pop(name, None)

    @classmethod
    def for_backend(cls, site: Site | str | Path, ident: str, **kw) -> "Client":
        site = _loaded(site)
        return cls(_built(site, site.backend(ident)), **kw)

    @classmethod
    def for_site(cls, site: Site | str | Path, host: str | None = None, **kw) -> "Client":
        """Every backend of every virtual host, chosen per request the way lighttpd chooses (by
        the Host, then by path); `host` is the default Host (the default virtual host's first
        name). Applications are built on first use."""
        site = _loaded(site)
        url_map = UrlMap.from_site(site)
        apps: dict[str, object] = {}

        def route(path: str, host: str):
            try:
                urls = url_map.vhost(host)
            except LookupError:
                urls = url_map.default          # lighttpd's else-branch: the default host
            where = urls.resolve(path)
            if where.static is not None:
                return ("static", urls.vhost.static[where.static], path[len(where.static):])
            if where.backend is None:
                return None
            b = where.backend
            if b.ident not in apps:
                apps[b.ident] = _built(site, b, url_map=url_map)
            return (apps[b.ident],) + _split(b, path)

        default = url_map.default.vhost
        return cls(None, route=route, host=host or served_names(site, default)[0], **kw)

    # -- requests -------------------------------------------------------------------------------

    def get(self, path, **kw) -> TestResponse:
        return self.request("GET", path, **kw)

    def head(self, path, **kw) -> TestResponse:
        return self.request("HEAD", path, **kw)

    def post(self, path, **kw) -> TestResponse:
        return self.request("POST", path, **kw)

    def put(self, path, **kw) -> TestResponse:
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw) -> TestResponse:
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw) -> TestResponse:
        return self.request("DELETE", path, **kw)

    def options(self, path, **kw) -> TestResponse:
        return self.request("OPTIONS", path, **kw)

    def request(self, method: str, url: str, *, query=None, data=None, files=None, json=None,
                body: bytes | None = None, content_type: str | None = None, headers=None,
                follow: bool = False) -> TestResponse:
        """data: a dict (or pairs) sent urlencoded, or multipart with files={"field": (filename,
        bytes, content_type)}; json: any JSON value; body: raw bytes with content_type."""
        if self.csrf and method.upper() == "POST" and (data is not None or files is not None):
            data = self._with_csrf_token(data or {}, scheme=urlsplit(url).scheme or self.scheme, url=url)
        body, content_type = _encode_body(data, files, json, body, content_type)
        response = self._one(method, url, query, body, content_type, headers)
        for _ in range(10):
            if not follow or response.status not in REDIRECTS:
                return response
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, body, content_type = "GET", b"", None
            response = self._one(method, response.location, None, body, content_type, headers)
        raise AssertionError("more than 10 redirects")

    def _has_auth(self, url: str) -> bool:
        """Whether the backend `url` goes to has `auth` set (gets the login's variables)."""
        parts = urlsplit(url)
        routed = self._route(unquote_to_bytes(parts.path or "/").decode("utf-8", "replace"),
                             parts.hostname or self.host)
        return bool(routed and routed[0] != "static" and getattr(routed[0].backend, "auth", None))

    def _with_csrf_token(self, data, scheme: str, url: str = ""):
        """`data` plus the token a page's form would carry: the session's (PWWW_CSRF) or the
        double-submit cookie's (made here if the client has none yet)."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        if any(k == csrf.FIELD for k, _ in pairs):
            return data
        token = self.environ.get("PWWW_CSRF")
        if token is None and self._login and self._has_auth(url):
            token = self._login["PWWW_CSRF"]
        if token is None:
            name = csrf.SECURE_COOKIE if scheme == "https" else csrf.COOKIE
            token = self.cookies.setdefault(name, secrets.token_urlsafe(32))
        return pairs + [(csrf.FIELD, token)]

    def _one(self, method, url, query, body, content_type, headers) -> TestResponse:
        parts = urlsplit(url)
        host = parts.hostname or self.host
        port = parts.port or (self.port if not parts.scheme else (443 if parts.scheme == "https" else 80))
        scheme = parts.scheme or self.scheme
        query_string = parts.query
        if query:
            query_string += ("&" if query_string else "") + urlencode(query, doseq=True)
        # lighttpd decodes the path before routing and hands it on decoded (as latin-1 in WSGI).
        raw_path = unquote_to_bytes(parts.path or "/")
        path = raw_path.decode("latin-1")
        try:
            routed = self._route(raw_path.decode("utf-8"), host)
        except UnicodeDecodeError:
            routed = self._route(path, host)
        if routed is None:
            return TestResponse("404 Not Found", Headers(), b"no backend for this path\n")
        if routed[0] == "static":
            return _static(routed[1], routed[2])
        app, script_name, _ = routed
        environ = {
            "REQUEST_METHOD": method.upper(),
            "SCRIPT_NAME": script_name,
            "PATH_INFO": path[len(script_name):],
            "QUERY_STRING": query_string,
            "SERVER_NAME": host,
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": host if port == (443 if scheme == "https" else 80) else f"{host}:{port}",
            "REMOTE_ADDR": self.remote_addr,
            "REMOTE_PORT": "54321",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if scheme == "https":
            environ["HTTPS"] = "on"
        if self._login and getattr(getattr(app, "backend", None), "auth", None):
            environ.update(self._login)
        environ.update(self.environ)
        if body or method.upper() in ("POST", "PUT", "PATCH"):
            environ["CONTENT_LENGTH"] = str(len(body))
        if content_type:
            environ["CONTENT_TYPE"] = content_type
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
        return self._call(app, environ)

    def call(self, environ: dict) -> TestResponse:
        """Call the application with an environ you built yourself (for malformed requests, so
        wsgiref's validator, which would refuse it first, is not used)."""
        app = self._route(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
                          environ.get("HTTP_HOST", self.host).rsplit(":", 1)[0])[0]
        return self._call(app, environ, validate=False)

    def _call(self, app, environ, validate: bool = True) -> TestResponse:
        started: list = []
        chunks: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]
            return chunks.append

        wsgi = validator(app) if self.validate and validate else app
        result = wsgi(environ, start_response)
        try:
            for chunk in result:
                chunks.append(chunk)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, header_list = started
        response = TestResponse(status, Headers(header_list), b"".join(chunks))
        self._keep_cookies(response)
        if self.sendfile and "X-Sendfile" in response.headers:
            file = Path(response.headers["X-Sendfile"].encode("latin-1").decode("utf-8", "surrogateescape"))
            if not file.is_file():
                return TestResponse("404 Not Found", response.headers, b"")
            response.body = file.read_bytes()
        return response

    def _keep_cookies(self, response: TestResponse) -> None:
        for header in response.headers.get_all("Set-Cookie"):
            first, *attributes = header.split(";")
            name, _, value = first.strip().partition("=")
            attrs = {k.strip().lower(): v.strip() for k, _, v in (a.partition("=") for a in attributes)}
            expired = attrs.get("max-age", "1").lstrip("-").isdigit() and int(attrs.get("max-age", "1")) <= 0
            if "expires" in attrs and "max-age" not in attrs:
                try:
                    expired = parsedate_to_datetime(attrs["expires"]) <= datetime.now(timezone.utc)
                except (TypeError, ValueError):
                    pass
            if expired:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


def _split(backend, path: str) -> tuple[str, str]:
    """(SCRIPT_NAME, PATH_INFO) as lighttpd sets them for this backend (docs/farm.md)."""
    if backend.prefix and backend.prefix != "/":
        return backend.prefix, path[len(backend.prefix):]
    return "", path


def _single_backend_route(app):
    backend = app.backend

    def route(path: str, host: str):
        if backend.prefix and backend.prefix != "/" and not (
                path == backend.prefix or path.startswith(backend.prefix + "/")):
            raise ValueError(f"{path!r} is not below the prefix {backend.prefix!r} of {backend.ident}")
        return (app,) + _split(backend, path)
    return route


def _default_host(app) -> str:
    """The first name the app's virtual host answers (one with no names: the listen address)."""
    if app is None:
        return "localhost"
    return next(iter(app.urls.vhost.hosts), None) or next(iter(sorted(app.hosts or ())), "localhost")


def _static(directory: Path, rest: str) -> TestResponse:
    file = (directory / rest).resolve()
    if directory.resolve() not in file.parents or not file.is_file():
        return TestResponse("404 Not Found", Headers(), b"")
    return TestResponse("200 OK", Headers([("Content-Type", "application/octet-stream")]), file.read_bytes())


def _encode_body(data, files, json, body, content_type):
    if json is not None:
        return jsonlib.dumps(json).encode("utf-8"), content_type or "application/json"
    if files:
        return _multipart(data or {}, files)
    if data is not None:
        if isinstance(data, (bytes, str)):
            return (data.encode("utf-8") if isinstance(data, str) else data), content_type
        return urlencode(data, doseq=True).encode("ascii"), "application/x-www-form-urlencoded"
    return body or b"", content_type


def _multipart(data, files) -> tuple[bytes, str]:
    boundary = "pwwwtest" + secrets.token_hex(8)
    out = io.BytesIO()
    pairs = data.items() if hasattr(data, "items") else data
    for name, value in pairs:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(str(value).encode("utf-8") + b"\r\n")
    for name, (filename, content, kind) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                  f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"
