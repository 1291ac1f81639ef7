"""Middleware: a backend's `middleware = [...]`, an onion around the dispatcher.

The first item is the outermost: it sees the request first and the response last. Each item is
either
  a hook     an object (or class, instantiated once) with before(request) and/or
             after(request, response). before may return a response to answer at once; after may
             return a replacement response. Hooks work on Request and Response objects.
  a wrapper  a callable taking a WSGI application and returning one (any WSGI middleware).
Both kinds mix freely; the request object is shared through the environ, so a hook inside a
wrapper sees the same Request as one outside it.
"""
from .errors import HTTPError
from .headers import Headers
from .response import Response, to_response


def is_hook(obj) -> bool:
    return callable(getattr(obj, "before", None)) or callable(getattr(obj, "after", None))


class HookLayer:
    """One hook around the inner layers; handle(request) -> Response, and a WSGI application."""

    def __init__(self, hook, inner, errors, make_request):
        self.make_request = make_request
        self.before = getattr(hook, "before", None)
        self.after = getattr(hook, "after", None)
        self.inner = inner if hasattr(inner, "handle") else WSGIAdapter(inner)
        self.errors = errors

    def handle(self, request) -> Response:
        try:
            if self.before is not None:
                early = self.before(request)
                if early is not None:
                    return to_response(early, request)
            response = self.inner.handle(request)
            if self.after is not None:
                replaced = self.after(request, response)
                if replaced is not None:
                    response = to_response(replaced, request)
            return response
        except HTTPError as error:
            return self.errors.render(request, error)
        except Exception as exc:
            return self.errors.internal(request, exc)

    def __call__(self, environ, start_response):
        return self.handle(self.make_request(environ))(environ, start_response)


class WSGIAdapter:
    """A plain WSGI application seen as handle(request) -> Response, for the hook outside it."""

    def __init__(self, app):
        self.app = app

    def handle(self, request) -> Response:
        started: list = []
        written: list = []

        def start_response(status, headers, exc_info=None):
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return written.append

        result = self.app(request.environ, start_response)
        iterator = iter(result)
        first: list = []
        # An application may call start_response lazily, from inside its iterator.
        while not started:
            try:
                first.append(next(iterator))
            except StopIteration:
                break
        if not started:
            raise RuntimeError("WSGI application returned without calling start_response")
        status, headers = started
        body = _Body(written + first, iterator, getattr(result, "close", None))
        return Response(body, int(status.split(" ", 1)[0]), Headers(headers))


class _Body:
    def __init__(self, head, rest, close):
        self._head, self._rest, self._close = head, rest, close

    def __iter__(self):
        yield from self._head
        yield from self._rest

    def close(self):
        if self._close is not None:
            self._close()


def build_chain(core, items, errors, make_request):
    """The WSGI application for `items` (outermost first) around `core` (the dispatcher)."""
    app = core
    for item in reversed(items):
        if is_hook(item):
            app = HookLayer(item, app, errors, make_request)
        else:
            app = item(app)
    return app
