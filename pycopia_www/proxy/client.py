"""The Python side of a JSON proxy: call a server's proxy like a local object.

    demo = ServerProxy("http://127.0.0.1:8080/api/demo")
    demo.add(2, 3)                            # 5
    demo.greet("box", greeting="Hi")          # named arguments
    with demo._batch() as batch:              # one HTTP request
        total, echoed = batch.add(1, 2), batch.echo({1, 2})
    total.result()

Remote methods can never start with "_" (the server refuses to expose them), so the client's own
helpers do: _batch(), _notify(name, ...), _call(name, ...), _discover().
A method that raised on the server raises RemoteError here, which is also an instance of the
built-in exception of the same name when there is one (except ValueError: catches it).
"""
import builtins
import itertools
import json
import urllib.error
import urllib.request

from ..rpcwire import ERROR_NAMES, INTERNAL_ERROR, PROXY_HEADER, PROXY_HEADER_VALUE
from .codec import Codec, default_registry

# The type a client reports for a protocol error that names no exception (the same in proxy.js).
PROTOCOL_ERROR_TYPES = ERROR_NAMES


class RemoteError(Exception):
    """An error answer: `type` is the Python exception's name on the server (or a protocol error
    type), `code` the JSON-RPC code, `data` what the server added (maybe a traceback)."""

    def __init__(self, type_: str, message: str, code: int, data=None, status: int = 200):
        super().__init__(f"{type_}: {message}" if message else type_)
        self.type = type_
        self.message = message
        self.code = code
        self.data = data
        self.status = status


_remote_classes: dict[str, type] = {}


def remote_error(error: dict, status: int = 200) -> RemoteError:
    """The exception for a JSON-RPC error object."""
    code = error.get("code")
    data = error.get("data")
    if isinstance(data, dict) and isinstance(data.get("type"), str):
        kind, message = data["type"], str(data.get("message", ""))
    else:
        kind, message = PROTOCOL_ERROR_TYPES.get(code, "RemoteError"), str(error.get("message", ""))
    cls = _remote_class(kind)
    try:
        exc = cls(kind, message, code, data, status)
    except TypeError:                   # a built-in with a constructor of its own (OSError ...)
        exc = RemoteError(kind, message, code, data, status)
    return exc


def _remote_class(kind: str) -> type:
    cls = _remote_classes.get(kind)
    if cls is None:
        base = getattr(builtins, kind, None)
        cls = RemoteError
        if isinstance(base, type) and issubclass(base, Exception) and base is not Exception:
            try:
                cls = type(f"Remote{kind}", (RemoteError, base), {"__init__": RemoteError.__init__})
            except TypeError:           # incompatible layouts: the plain RemoteError
                cls = RemoteError
        _remote_classes[kind] = cls
    return cls


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect answering a call (a login page, say) is not the call's answer.
    def redirect_request(self, *args, **kwargs):
        return None


class ServerProxy:
    def __init__(self, url: str, *, timeout: float = 30.0, headers=None, opener=None,
                 registry=default_registry):
        """opener: a urllib opener, e.g. one with an HTTPCookieProcessor for a logged-in session
        (redirects are never followed)."""
        self._url = url
        self._timeout = timeout
        self._headers = {"Content-Type": "application/json", "Accept": "application/json",
                         PROXY_HEADER: PROXY_HEADER_VALUE, **(headers or {})}
        self._opener = opener or urllib.request.build_opener()
        self._opener.add_handler(_NoRedirects())
        self._codec = Codec(registry, strict=False)
        self._ids = itertools.count(1)
        self._signatures = None         # method -> parameter names, from rpc.discover when needed

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self._call(name, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<ServerProxy {self._url}>"

    def _call(self, name: str, *args, **kwargs):
        call = self._message(name, args, kwargs, next(self._ids))
        answer = self._post(call)
        if not isinstance(answer, dict):
            raise _not_an_answer(answer)
        return self._result(answer)

    def _notify(self, name: str, *args, **kwargs) -> None:
        """Call without waiting for a result (a JSON-RPC notification)."""
        self._post(self._message(name, args, kwargs, None))

    def _discover(self) -> dict:
        return self._call("rpc.discover")

    def _parameter_names(self, name: str) -> list[str]:
        if self._signatures is None:
            self._signatures = {m["name"]: [p["name"] for p in m["params"]]
                                for m in self._discover()["methods"]}
        if name not in self._signatures:
            raise TypeError(f"the server has no method {name!r}")
        return self._signatures[name]

    def _batch(self) -> "Batch":
        return Batch(self)

    # -- the wire -------------------------------------------------------------------------------

    def _message(self, name: str, args, kwargs, id_) -> dict:
        if args and kwargs:
            # JSON-RPC passes parameters one way: name the positional ones from rpc.discover.
            names = self._parameter_names(name)
            if len(args) > len(names):
                raise TypeError(f"{name}() takes {len(names)} parameter(s), {len(args)} given")
            kwargs = {**dict(zip(names, args)), **kwargs}
            args = ()
        message = {"jsonrpc": "2.0", "method": name}
        if args or kwargs:
            message["params"] = self._codec.encode(list(args) if args else kwargs)
        if id_ is not None:
            message["id"] = id_
        return message

    def _result(self, answer: dict, status: int = 200):
        if "error" in answer:
            raise remote_error(answer["error"], status)
        return self._codec.decode(answer.get("result"))

    def _post(self, payload):
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        request = urllib.request.Request(self._url, body.encode("utf-8"), self._headers, method="POST")
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, data = exc.code, exc.read()
            answer = _json_or_none(data)
            if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
                raise remote_error(answer["error"], status) from None
            raise RemoteError("HTTPError", f"HTTP {status} {exc.reason}", INTERNAL_ERROR,
                              status=status) from None
        if status == 204:
            return None
        answer = _json_or_none(data)
        if not isinstance(answer, (dict, list)):
            raise _not_an_answer(answer)
        return answer


def _json_or_none(data: bytes):
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError:
        return None


def _not_an_answer(answer) -> RemoteError:
    what = "no answer" if answer is None else "not a JSON-RPC response"
    return RemoteError("InternalError", f"the server sent {what}", INTERNAL_ERROR)


class Pending:
    """One call of a batch: its result once the batch has been sent."""

    def __init__(self, name: str):
        self.name = name
        self._answer = None

    def result(self):
        if self._answer is None:
            raise RuntimeError(f"{self.name}: the batch has not been sent")
        proxy, answer = self._answer
        return proxy._result(answer)


class Batch:
    """Calls collected and sent as one JSON-RPC batch when the `with` block ends."""

    def __init__(self, proxy: ServerProxy):
        self._proxy = proxy
        self._calls: list[tuple[dict, Pending]] = []

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args, **kwargs) -> Pending:
            pending = Pending(name)
            self._calls.append((self._proxy._message(name, args, kwargs, next(self._proxy._ids)),
                                pending))
            return pending
        return call

    def __enter__(self) -> "Batch":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is None and self._calls:
            self._send()

    def _send(self) -> None:
        answer = self._proxy._post([message for message, _ in self._calls])
        missing = {"error": {"code": INTERNAL_ERROR, "message": "no answer in the batch"}}
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            missing = answer        # one error for the whole batch (a refusal, a parse error)
            answer = []
        elif not isinstance(answer, list):
            raise _not_an_answer(answer)
        by_id = {r.get("id"): r for r in answer if isinstance(r, dict)}
        for message, pending in self._calls:
            pending._answer = (self._proxy, by_id.get(message["id"], missing))
