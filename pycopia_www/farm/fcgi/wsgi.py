"""WSGI (PEP 3333) on top of one FastCGI request: environ, start_response, the response stream.

A response whose body the application returns as a list or tuple goes out in one write together
with the end of the request. Any other iterable, and the write() callable, are transmitted chunk
by chunk as they are produced, as PEP 3333 requires.
"""
import io
import sys

from . import protocol as P

BASE_ENVIRON = {
    "wsgi.version": (1, 0),
    "wsgi.multithread": False,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
}
HTTPS_ON = frozenset(("on", "On", "ON", "1"))


class PeerGone(Exception):
    """The web server closed the connection or stopped taking our output."""


class RequestTimeout(BaseException):
    """Raised into the application when its request runs past the timeout.

    A BaseException, so that an application's ``except Exception`` does not swallow it.
    """


def make_environ(req):
    env = req.params
    env.update(BASE_ENVIRON)
    env["wsgi.input"] = req.stdin if req.stdin is not None else io.BytesIO()
    env["wsgi.errors"] = sys.stderr
    env["wsgi.url_scheme"] = "https" if env.get("HTTPS") in HTTPS_ON else "http"
    env["FCGI_ROLE"] = P.ROLE_NAMES[req.role]
    if "SCRIPT_NAME" not in env:
        env["SCRIPT_NAME"] = ""
    if "PATH_INFO" not in env:
        env["PATH_INFO"] = ""
    if "QUERY_STRING" not in env:
        env["QUERY_STRING"] = ""
    return env


def error_page(status):
    """A complete CGI response for a short plain-text error, as bytes."""
    body = status.encode("latin-1") + b"\n"
    return (b"Status: %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
            % (status.encode("latin-1"), len(body), body))


class Response:
    """start_response, write() and the rest of one request's output."""

    __slots__ = ("io", "rid", "status", "headers", "sent", "_body")

    def __init__(self, record_io, rid):
        self.io = record_io
        self.rid = rid
        self.status = None
        self.headers = None
        self.sent = False          # headers handed to the record writer
        self._body = None          # the whole body, when it is known before finish()

    def start_response(self, status, headers, exc_info=None):
        if exc_info is not None:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response called a second time without exc_info")
        if type(status) is not str:
            raise TypeError(f"status must be str, not {type(status).__name__}")
        self.status = status
        self.headers = headers
        return self.write

    def head(self):
        if self.status is None:
            raise AssertionError("response body before start_response")
        headers = self.headers
        block = "Status: " + self.status + "\r\n" + "".join(
            [name + ": " + value + "\r\n" for name, value in headers]) + "\r\n"
        breaks = len(headers) + 2
        if block.count("\n") != breaks or block.count("\r") != breaks:
            raise ValueError("line break inside a response header")
        return block.encode("latin-1")

    def write(self, data):
        """The write() callable; also used for each chunk of a streamed body."""
        if type(data) is not bytes:
            if not isinstance(data, (bytearray, memoryview)):
                raise TypeError(f"response body must be bytes, not {type(data).__name__}")
            data = bytes(data)
        if not data:
            return
        if not self.sent:
            data = self.head() + data
            self.sent = True
        try:
            self.io.stdout(self.rid, data)
            self.io.flush()
        except OSError as exc:
            raise PeerGone(str(exc)) from None

    def send(self, result):
        """Consume the application's iterable. A list or tuple (a subclass too, such as a body
        that cleans up on close) is held back, so finish() sends it with the headers and
        FCGI_END_REQUEST in one write."""
        if isinstance(result, (list, tuple)) and not self.sent:
            self._body = b"".join(result)
            return
        for chunk in result:
            if chunk:
                self.write(chunk)

    def finish(self):
        """End the request: headers if none went yet, the rest of the body, FCGI_END_REQUEST."""
        body = self._body
        if not self.sent:
            body = self.head() + body if body else self.head()
            self.sent = True
        try:
            self.io.end_request(self.rid, body or b"")
        except OSError as exc:
            raise PeerGone(str(exc)) from None

    def fail(self, status):
        """Answer with an error page if nothing was sent yet; True if the connection survives."""
        self.io.discard()
        if self.sent:
            return False             # a partial response: the web server must see it broken off
        self.sent = True
        try:
            self.io.end_request(self.rid, error_page(status))
        except OSError:
            return False
        return True


def respond(record_io, req, app, timer, log):
    """Run app for req and answer it. Returns True when the connection may carry another request.

    timer.arm() starts the request timeout, timer.disarm() stops it; when it fires during the
    request (the worker's alarm handler raises RequestTimeout and marks the timer expired) the
    request is answered 504 here.
    """
    resp = Response(record_io, req.id)
    environ = make_environ(req)
    try:
        timer.arm()
        return _run(app, environ, resp, timer, log)
    except RequestTimeout:
        timer.disarm()
        log.error("%s %s: still running after %ss; answered 504 and replacing this worker",
                  environ.get("REQUEST_METHOD"), environ.get("REQUEST_URI"), timer.timeout)
        return resp.fail("504 Gateway Timeout")


def _run(app, environ, resp, timer, log):
    try:
        result = app(environ, resp.start_response)
        try:
            resp.send(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        timer.disarm()
        resp.finish()
        return True
    except PeerGone as exc:
        timer.disarm()
        log.debug("%s %s: web server went away: %s",
                 environ.get("REQUEST_METHOD"), environ.get("REQUEST_URI"), exc)
        return False
    except Exception:
        timer.disarm()
        log.exception("%s %s: application error",
                      environ.get("REQUEST_METHOD"), environ.get("REQUEST_URI"))
        return resp.fail("500 Internal Server Error")
