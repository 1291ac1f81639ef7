"""The request a handler receives: everything parsed lazily, on first use, from the WSGI environ.

Anything malformed becomes a 4xx with a short reason (BadRequest, PayloadTooLarge, ...) raised from
the property that needed it, so a handler that never reads the body never pays for parsing it.
"""
import io
import json
from functools import cached_property
from urllib.parse import parse_qsl

from .identity import User, user_from_environ
from .cookies import parse_cookie_header
from .errors import BadRequest, PayloadTooLarge, RequestHeaderFieldsTooLarge, UnsupportedMediaType
from .headers import RequestHeaders
from .limits import Limits
from .multidict import MultiDict
from .multipart import BodyReader, boundary_of, cleanup, parse_header_params, parse_multipart

DEFAULT_LIMITS = Limits()
DEFAULT_PORTS = {"http": 80, "https": 443}


def wsgi_text(value: str, what: str) -> str:
    """A WSGI environ string (bytes as latin-1) read as the UTF-8 the client should have sent."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise BadRequest(f"{what} is not valid UTF-8") from None


def parse_urlencoded(data: str, limits: Limits, what: str) -> MultiDict:
    if not data:
        return MultiDict()
    if data.count("&") + 1 > limits.max_fields:
        raise PayloadTooLarge(f"more than {limits.max_fields} fields in the {what}")
    try:
        return MultiDict(parse_qsl(data, keep_blank_values=True, encoding="utf-8", errors="strict"))
    except UnicodeDecodeError:
        raise BadRequest(f"the {what} is not valid UTF-8 once percent-decoded") from None


class Request:
    def __init__(self, environ: dict, *, limits: Limits = DEFAULT_LIMITS, urls=None, debug=False):
        self.environ = environ
        self.limits = limits
        self.debug = debug          # the backend's debug mode: error details may reach the client
        self.route = None           # the matched Route, once the dispatcher has routed
        self.kwargs: dict = {}      # the handler's converted keyword arguments
        self._urls = urls           # the virtual host's URL map (get_url)
        self._body: bytes | None = None
        self._streamed = False
        self._uploads: list = []

    def check_headers(self) -> None:
        if self.headers.size() > self.limits.max_header_bytes:
            raise RequestHeaderFieldsTooLarge(f"request headers exceed {self.limits.max_header_bytes} bytes")

    # -- where --------------------------------------------------------------------------------

    @cached_property
    def method(self) -> str:
        return self.environ.get("REQUEST_METHOD", "GET").upper()

    @cached_property
    def scheme(self) -> str:
        return self.environ.get("wsgi.url_scheme", "http")

    @cached_property
    def script_name(self) -> str:
        """The backend's prefix ("" for a root or regex backend)."""
        return wsgi_text(self.environ.get("SCRIPT_NAME", ""), "the path")

    @cached_property
    def path_info(self) -> str:
        """The path below the backend's prefix: what routes are matched against."""
        return wsgi_text(self.environ.get("PATH_INFO", ""), "the path")

    @property
    def path(self) -> str:
        return self.script_name + self.path_info or "/"

    @cached_property
    def _host_port(self) -> tuple[str, int]:
        raw = self.environ.get("HTTP_HOST") or self.environ.get("SERVER_NAME", "localhost")
        host, port = raw.lower(), None
        if host.startswith("["):
            end = host.find("]")
            host, rest = host[:end + 1], host[end + 1:]
        else:
            host, _, rest = host.partition(":")
            rest = ":" + rest if rest else ""
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
        if port is None:
            server_port = self.environ.get("SERVER_PORT", "")
            port = int(server_port) if server_port.isdigit() and not self.environ.get("HTTP_HOST") \
                else DEFAULT_PORTS.get(self.scheme, 80)
        return host, port

    @property
    def host(self) -> str:
        """The host name the client asked for (lower case, without the port)."""
        return self._host_port[0]

    @property
    def port(self) -> int:
        return self._host_port[1]

    @property
    def url(self) -> str:
        from urllib.parse import quote
        netloc = self.host if self.port == DEFAULT_PORTS.get(self.scheme) else f"{self.host}:{self.port}"
        query = self.environ.get("QUERY_STRING", "")
        return (f"{self.scheme}://{netloc}{quote(self.path, safe='/:@!$&()*+,;=~-._')}"
                + (f"?{query}" if query else ""))

    @property
    def remote_addr(self) -> str | None:
        """The client's address as lighttpd saw it (not X-Forwarded-For, which anyone can send)."""
        return self.environ.get("REMOTE_ADDR")

    @property
    def remote_port(self) -> int | None:
        port = self.environ.get("REMOTE_PORT", "")
        return int(port) if str(port).isdigit() else None

    @cached_property
    def user(self) -> User | None:
        """The logged-in user as the auth backend's authorizer passed it, or None."""
        return user_from_environ(self.environ)

    # -- headers and cookies ------------------------------------------------------------------

    @cached_property
    def headers(self) -> RequestHeaders:
        return RequestHeaders(self.environ)

    @cached_property
    def cookies(self) -> dict[str, str]:
        return parse_cookie_header(self.environ.get("HTTP_COOKIE", ""))

    @cached_property
    def _content_type(self) -> tuple[str, dict]:
        return parse_header_params(self.environ.get("CONTENT_TYPE", ""))

    @property
    def content_type(self) -> str:
        """The media type, lower case, without parameters ("" if none was sent)."""
        return self._content_type[0]

    @cached_property
    def content_length(self) -> int:
        raw = self.environ.get("CONTENT_LENGTH", "") or "0"
        if not raw.isdigit() or not raw.isascii():
            raise BadRequest("invalid Content-Length")
        length = int(raw)
        if length > self.limits.max_body:
            raise PayloadTooLarge(f"request body larger than {self.limits.max_body} bytes")
        return length

    # -- the body -----------------------------------------------------------------------------

    def _reader(self) -> BodyReader:
        if self._body is not None:
            return BodyReader(io.BytesIO(self._body), len(self._body))
        if self._streamed:
            raise RuntimeError("the request body was already consumed")
        length = self.content_length
        self._streamed = True
        return BodyReader(self.environ.get("wsgi.input") or io.BytesIO(), length)

    @property
    def body(self) -> bytes:
        """The whole body (at most limits.max_body bytes)."""
        if self._body is None:
            self._body = self._reader().read_all()
        return self._body

    @cached_property
    def query(self) -> MultiDict:
        raw = wsgi_text(self.environ.get("QUERY_STRING", ""), "the query string")
        return parse_urlencoded(raw, self.limits, "query string")

    @cached_property
    def _form_and_files(self) -> tuple[MultiDict, MultiDict]:
        kind = self.content_type
        if kind == "application/x-www-form-urlencoded":
            try:
                text = self.body.decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest("the form is not valid UTF-8") from None
            return parse_urlencoded(text, self.limits, "form"), MultiDict()
        if kind == "multipart/form-data":
            boundary = boundary_of(self._content_type[1])
            fields, files = parse_multipart(self._reader(), boundary, self.limits)
            self._uploads = files
            return MultiDict(fields), MultiDict(files)
        return MultiDict(), MultiDict()

    @property
    def form(self) -> MultiDict:
        """Fields of a urlencoded or multipart form (empty for other bodies)."""
        return self._form_and_files[0]

    @property
    def files(self) -> MultiDict:
        """Uploaded files (UploadedFile) of a multipart form, by field name."""
        return self._form_and_files[1]

    @cached_property
    def json(self):
        kind = self.content_type
        if kind != "application/json" and not kind.endswith("+json"):
            raise UnsupportedMediaType("expected a JSON body (Content-Type: application/json)")
        data = self.body
        if not data:
            raise BadRequest("empty JSON body")
        try:
            return json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise BadRequest("the JSON body is not valid UTF-8") from None
        except json.JSONDecodeError as exc:
            raise BadRequest(f"the body is not valid JSON: {exc.msg} at line {exc.lineno} "
                             f"column {exc.colno}") from None
        except RecursionError:      # the client's nesting, not a fault of the server
            raise BadRequest("the JSON body is nested too deeply") from None

    # -- links --------------------------------------------------------------------------------

    @cached_property
    def urls(self):
        """The URL map of this virtual host, with this request's scheme, host and port."""
        if self._urls is None:
            raise RuntimeError("this request has no URL map (build the app with build_app)")
        return self._urls.bind(self.scheme, self.host, self.port)

    def get_url(self, target, /, **kw) -> str:
        """get_url(target, *, _query=None, _fragment=None, _external=False, _host=None, **params);
        an external URL to this virtual host uses the host name this request came in on."""
        # Later calls go straight to the bound map's get_url (a page may make hundreds).
        get_url = self.__dict__["get_url"] = self.urls.get_url
        return get_url(target, **kw)

    def has_uploads(self) -> bool:
        return bool(self._uploads)

    def close(self) -> None:
        """Remove spooled uploads; called when the response has been sent."""
        cleanup(self._uploads)
        self._uploads = []

    def __repr__(self) -> str:
        return f"<Request {self.environ.get('REQUEST_METHOD')} {self.environ.get('PATH_INFO')!r}>"
