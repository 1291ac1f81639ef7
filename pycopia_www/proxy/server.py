"""The server side of a JSON proxy: a route handler that answers JSON-RPC 2.0 calls.

    proxy = Proxy(SystemInfo())            # in a module; route(r"^/api$", "handlers.sys.api.proxy")

The transport rules (POST, JSON, the X-Requested-With header, same origin, sizes) are checked
before anything is parsed; then each call is validated, its parameters decoded and bound to the
method's signature, and the method called. The wire format is specified in docs/proxy.md.
"""
import json
import logging
import time
import traceback
from urllib.parse import urlsplit

from .. import rpcwire
from ..rpcwire import (BATCH_SECONDS, MAX_BATCH, MAX_BODY, MAX_DEPTH, MAX_ELEMENTS, MAX_ITEMS,
                       OUT_OF_TIME, PROXY_HEADER, PROXY_HEADER_VALUE, STATUS_CODES)
from ..web.csrf import has_proxy_header
from ..web.errors import HTTPError, as_http_error
from ..web.request import DEFAULT_PORTS
from ..web.response import Response
from .codec import Codec, DecodeError, EncodeError, TooLarge, check_size, default_registry
from .discover import openrpc_document
from .errors import (FORBIDDEN, INTERNAL_ERROR, INVALID_REQUEST, LOGIN_REQUIRED, METHOD_NOT_FOUND,
                     METHOD_RAISED, PARSE_ERROR, InvalidParams, RPCError, is_public)
from .methods import collect_methods

log = logging.getLogger("pycopia_www.proxy")

SAFE_FETCH_SITES = frozenset({"same-origin", "none"})
JSON = "application/json"
_NO_STORE = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]
_VALID_ID_TYPES = (str, int, float, type(None))
_DISCOVERIES_KEPT = 32      # rpc.discover documents cached, one per set of roles that asked


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _json_response(data, status: int = 200, headers=()) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Response(body.encode("utf-8"), status, [*_NO_STORE, *headers], JSON)


def _error(id_, code: int, message: str, data=None) -> dict:
    return {"jsonrpc": "2.0", "id": id_, "error": RPCError(code, message, data).to_wire()}


def _refusal(status: int, reason: str, code: int = INVALID_REQUEST, headers=()) -> Response:
    return _json_response(_error(None, code, reason), status, headers)


class Proxy:
    """Expose objects' public methods (or lists/dicts of functions) as one JSON-RPC endpoint.

    Of an object, only the methods its own class defines (methods.collect_methods; `inherited`
    lists inherited ones to expose too). A method's exception reaches the caller with its type
    and message only if its class is marked with errors.public_error or is one of
    `public_errors` (for classes one cannot mark, such as ValueError).

    rpc.discover shows a caller only the methods it may call. A batch's calls are made in order
    until `batch_seconds` have passed; the calls left are answered OUT_OF_TIME, not made."""

    # The web layer's form-CSRF check stands aside: the transport rules below are this handler's
    # own CSRF defence, and a refused call should get a JSON-RPC answer, not a form error page.
    csrf_exempt = True

    def __init__(self, *targets, title: str | None = None, registry=default_registry,
                 max_body: int = MAX_BODY, max_batch: int = MAX_BATCH, max_depth: int = MAX_DEPTH,
                 max_items: int = MAX_ITEMS, max_elements: int = MAX_ELEMENTS,
                 batch_seconds: float = BATCH_SECONDS, inherited=(), public_errors=()):
        self.methods = collect_methods(*targets, inherited=inherited)
        self.public_errors = tuple(public_errors)
        self.codec = Codec(registry, strict=True, max_depth=max_depth)
        self.title = title or (type(targets[0]).__name__ if len(targets) == 1 else "proxy")
        self.max_body = max_body
        self.max_batch = max_batch
        self.batch_seconds = batch_seconds
        self.max_items = max_items
        self.max_elements = max_elements
        self._discoveries: dict[frozenset | None, dict] = {}

    def refusal(self, request, error: HTTPError) -> Response:
        """The web layer refused this call (a route that needs a login or roles): the JSON-RPC
        error the authorizer would have sent (rpcwire.REFUSALS)."""
        if error.status in rpcwire.REFUSALS:
            return _json_response(rpcwire.refusal(error.status), error.status, error.headers)
        return _refusal(error.status, error.reason, headers=error.headers)

    # -- transport ------------------------------------------------------------------------------

    def __call__(self, request) -> Response:
        try:
            refusal = self._check_transport(request)
            if refusal is not None:
                return refusal
            body = request.body
        except HTTPError as error:
            return _refusal(error.status, error.reason, headers=error.headers)
        # Building arrays and objects is most of what parsing costs: count them unparsed first
        # (a bracket inside a string counts too; a body within the limits has fewer).
        if body.count(b"[") + body.count(b"{") > self.max_elements + 1:
            return _refusal(413, f"more than {self.max_elements} arrays and objects in one body")
        # A parse error, and from the size check on every answer, is JSON-RPC's own, so HTTP 200
        # (or 204 for no answer): a client treats any other status as a transport failure and
        # never reads the error object. Only the limits are refused like the transport rules.
        try:
            data = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
        except (UnicodeDecodeError, ValueError) as exc:
            return _refusal(200, f"parse error: {exc}", PARSE_ERROR)
        except RecursionError:
            return _refusal(200, "parse error: nested too deeply", PARSE_ERROR)
        try:        # bounds the work of everything below, before any of it is done
            check_size(data, self.max_items, self.max_elements)
        except TooLarge as exc:
            return _refusal(413, str(exc))
        if type(data) is list:
            return self._batch(request, data)
        response = self._one(request, data)
        if response is None:
            return Response(b"", 204, _NO_STORE)
        return _json_response(response)

    def _check_transport(self, request) -> Response | None:
        if request.method != "POST":
            if request.method == "OPTIONS":
                return Response(b"", 204, [("Allow", "POST, OPTIONS")])
            return _refusal(405, "a proxy call is a POST", headers=[("Allow", "POST, OPTIONS")])
        if request.content_type != JSON:
            return _refusal(415, "a proxy call has Content-Type: application/json")
        if not has_proxy_header(request):
            return _refusal(403, f"a proxy call carries the header "
                                 f"{PROXY_HEADER}: {PROXY_HEADER_VALUE}")
        if (problem := _cross_origin(request)) is not None:
            return _refusal(403, problem)
        if request.content_length > self.max_body:
            return _refusal(413, f"the call is larger than {self.max_body} bytes")
        return None

    def _batch(self, request, entries: list) -> Response:
        if not entries:
            return _refusal(200, "an empty batch")
        if len(entries) > self.max_batch:
            return _refusal(413, f"a batch holds at most {self.max_batch} calls")
        # Calls that each take a while would otherwise hold a worker for the batch limit times
        # as long: past the budget, the rest are answered without being made.
        deadline = time.monotonic() + self.batch_seconds
        responses = []
        for entry in entries:
            if time.monotonic() < deadline:
                response = self._one(request, entry)
            else:
                response = _out_of_time(entry, self.batch_seconds)
            if response is not None:
                responses.append(response)
        if not responses:
            return Response(b"", 204, _NO_STORE)
        # A bare array, as JSON-RPC 2.0 says; why that is safe here: docs/decisions.md.
        return _json_response(responses)

    # -- one call -------------------------------------------------------------------------------

    def _one(self, request, entry) -> dict | None:
        """The response object for one call, or None for a notification."""
        if type(entry) is not dict:
            return _error(None, INVALID_REQUEST, "a call is a JSON object")
        id_ = entry.get("id")
        if not _valid_id(id_):
            return _error(None, INVALID_REQUEST, "the id is a string, a number or null")
        if entry.get("jsonrpc") != "2.0":
            return _error(id_, INVALID_REQUEST, 'a call has "jsonrpc": "2.0"')
        name = entry.get("method")
        if type(name) is not str:
            return _error(id_, INVALID_REQUEST, "a call names its method as a string")
        params = entry.get("params")
        if params is not None and type(params) not in (list, dict):
            return _error(id_, INVALID_REQUEST, "params is an array or an object")
        try:
            result = self._call(request, name, params)
        except RPCError as exc:
            return None if "id" not in entry else {"jsonrpc": "2.0", "id": id_, "error": exc.to_wire()}
        return None if "id" not in entry else {"jsonrpc": "2.0", "id": id_, "result": result}

    def _call(self, request, name: str, params):
        if name == "rpc.discover":
            return self._discover(getattr(request, "user", None))
        method = self.methods.get(name)
        if method is None:
            raise RPCError(METHOD_NOT_FOUND, f"method not found: {name}")
        _check_roles(request, method)
        try:
            params = self.codec.decode(params)
        except DecodeError as exc:
            raise InvalidParams(f"{name}: {exc}") from None
        args, kwargs = method.bind(params)
        if method.wants_request:
            kwargs["request"] = request
        try:
            if method.wants_db:
                value = _call_with_db(request, method, args, kwargs)
            else:
                value = method.function(*args, **kwargs)
        except RPCError:
            raise
        except Exception as exc:
            raise self._method_raised(request, name, exc) from None
        try:
            return self.codec.encode(value)
        except (EncodeError, RecursionError) as exc:
            log.error("proxy %s.%s: result not sent: %s", self.title, name, exc)
            raise RPCError(INTERNAL_ERROR, f"{name}: the result could not be sent: {exc}") from None

    def _discover(self, user) -> dict:
        """The OpenRPC document of the methods `user` may call: the names and docstrings of the
        others are none of the caller's business."""
        key = None if user is None else user.roles
        document = self._discoveries.get(key)
        if document is None:
            allowed = {name: method for name, method in self.methods.items()
                       if may_call(user, method.roles)}
            document = openrpc_document(self.title, allowed, self.codec, self.max_batch,
                                        self.batch_seconds)
            if len(self._discoveries) < _DISCOVERIES_KEPT:
                self._discoveries[key] = document
        return document

    def _method_raised(self, request, name: str, exc: Exception) -> RPCError:
        http = as_http_error(exc)
        if http is not None and http.status < 500:
            # A refusal with an HTTP meaning (404, 409 for an integrity error...): the caller's
            # problem, answered by its status's code, without the exception's internals.
            log.info("proxy %s.%s: %d %s", self.title, name, http.status, http.reason)
            kind = type(http).__name__
            return RPCError(STATUS_CODES.get(http.status, METHOD_RAISED), http.reason,
                            {"type": kind, "message": http.reason, "status": http.status})
        kind = type(exc).__name__
        debug = getattr(request, "debug", False)
        if not (debug or is_public(exc, self.public_errors)):
            # Not meant for the caller: its message may hold paths, SQL or internal state.
            log.error("proxy %s.%s raised %s: %s", self.title, name, kind, exc, exc_info=exc)
            return RPCError(METHOD_RAISED, f"{name} failed (the server's log says why)")
        # A public exception is ordinary (bad input): the log gets its traceback in debug mode only.
        log.warning("proxy %s.%s raised %s: %s", self.title, name, kind, exc, exc_info=debug and exc)
        data = {"type": kind, "message": str(exc)}
        if debug:
            data["traceback"] = "".join(traceback.format_exception(exc))
        return RPCError(METHOD_RAISED, f"{kind}: {exc}" if str(exc) else kind, data)


def _call_with_db(request, method, args, kwargs):
    """Call a method that takes `db`, the request's database session, inside a savepoint: a call
    that fails undoes its own writes only, and the other calls of a batch keep theirs. Its writes
    are flushed before it is answered, so an integrity error is this call's error."""
    db = getattr(request, "db", None)
    if db is None:
        raise RPCError(INTERNAL_ERROR, f"{method.name}: this backend has no database "
                                       "(`database` in its etc/backends.d entry)")
    kwargs["db"] = db
    with db.begin_nested():
        return method.function(*args, **kwargs)


def _out_of_time(entry, seconds: float) -> dict | None:
    """The answer to a batch's call left unmade when its budget ran out (None: a notification)."""
    if type(entry) is not dict or "id" not in entry:
        return None
    id_ = entry["id"] if _valid_id(entry["id"]) else None
    return _error(id_, OUT_OF_TIME, f"not called: the batch's {seconds:g} s were spent")


def _valid_id(id_) -> bool:
    return isinstance(id_, _VALID_ID_TYPES) and type(id_) is not bool


def may_call(user, roles: frozenset | None) -> bool:
    """Whether `user` (None: nobody logged in) passes a method's role check."""
    return roles is None or (user is not None and roles <= user.roles)


def _check_roles(request, method) -> None:
    user = getattr(request, "user", None)
    if may_call(user, method.roles):
        return
    if user is None:
        raise RPCError(LOGIN_REQUIRED, f"{method.name}: login required")
    missing = ", ".join(sorted(method.roles - user.roles))
    raise RPCError(FORBIDDEN, f"{method.name}: needs the role(s) {missing}")


def _cross_origin(request) -> str | None:
    """Why this call is not same-origin, judged from the headers a browser adds (None: fine).
    Clients that are not browsers send neither header; the custom header alone covers them."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in SAFE_FETCH_SITES:
        return f"a cross-site call (Sec-Fetch-Site: {site})"
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    try:
        parts = urlsplit(origin)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        same = (parts.scheme == request.scheme and (parts.hostname or "") == request.host.lower()
                and port == request.port)
    except ValueError:
        same = False
    return None if same else f"a call from another origin ({origin})"
