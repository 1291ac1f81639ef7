"""HTTP errors as exceptions: `raise NotFound("no such table")` anywhere below a handler.

The reason is shown to the client (escaped), so it should be short and safe to disclose.
"""
from http import HTTPStatus


class HTTPError(Exception):
    status = 500

    def __init__(self, reason: str | None = None, *, headers=None):
        self.reason = reason or HTTPStatus(self.status).description
        self.headers = list(headers or ())
        super().__init__(self.reason)

    @property
    def title(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"


def _error(name: str, status: int) -> type[HTTPError]:
    return type(name, (HTTPError,), {"status": status, "__doc__": HTTPStatus(status).phrase})


BadRequest = _error("BadRequest", 400)
Unauthorized = _error("Unauthorized", 401)
Forbidden = _error("Forbidden", 403)
NotFound = _error("NotFound", 404)
NotAcceptable = _error("NotAcceptable", 406)
Conflict = _error("Conflict", 409)
MisdirectedRequest = _error("MisdirectedRequest", 421)
Gone = _error("Gone", 410)
LengthRequired = _error("LengthRequired", 411)
PayloadTooLarge = _error("PayloadTooLarge", 413)
URITooLong = _error("URITooLong", 414)
UnsupportedMediaType = _error("UnsupportedMediaType", 415)
UnprocessableContent = _error("UnprocessableContent", 422)
TooManyRequests = _error("TooManyRequests", 429)
RequestHeaderFieldsTooLarge = _error("RequestHeaderFieldsTooLarge", 431)
InternalServerError = _error("InternalServerError", 500)
NotImplemented_ = _error("NotImplemented", 501)
ServiceUnavailable = _error("ServiceUnavailable", 503)


class MethodNotAllowed(HTTPError):
    """405, with the Allow header listing what the resource does accept."""
    status = 405

    def __init__(self, allowed, reason: str | None = None):
        self.allowed = sorted(allowed)
        super().__init__(reason, headers=[("Allow", ", ".join(self.allowed))])


# Exceptions of other layers that have an HTTP meaning, e.g. the data layer's integrity errors
# (409). Filled in by the layer that knows the exception type, when it is imported; consulted
# where an escaped exception would otherwise be a 500 (error pages, the proxy server).
_translators: list = []


def register_translator(translate) -> None:
    """translate(exc) -> HTTPError | None: an answer for exceptions that are not HTTPErrors."""
    if translate not in _translators:
        _translators.append(translate)


def as_http_error(exc: BaseException) -> HTTPError | None:
    """The HTTP error `exc` stands for, or None (then it is a bug: 500)."""
    if isinstance(exc, HTTPError):
        return exc
    for translate in _translators:
        error = translate(exc)
        if error is not None:
            return error
    return None
