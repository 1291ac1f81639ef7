"""The dispatcher: the innermost step of a backend's application.

It matches the path below the backend's prefix (PATH_INFO, as lighttpd passes it) against the
backend's routes in order, imports the handler on first use, checks the method and access,
calls the handler and turns what it returns into a Response. Errors are raised, not rendered:
the app renders them in one place (app.py). 404 when no route matches or a parameter does not
convert; 405 with Allow for a method the handler does not answer.
"""
import re

from .access import Access
from .errors import BadRequest, HTTPError, NotFound
from .handlers import Handler
from .request import Request
from .response import Response, to_response

# lighttpd never passes these in a path (it maps them to "_"); refused, so that a route's `$`
# (which also matches before a final newline) can never be reached with "/health\n".
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Dispatcher:
    def __init__(self, placed_routes, backend=None):
        self._routes = tuple((p.route.regex.match, p.route) for p in placed_routes)
        self._handlers: dict[int, Handler] = {}
        self.access = Access(backend)

    def import_handlers(self) -> None:
        """Import every handler now: a prefork master does, before it forks, so that its workers
        share one copy instead of each importing its own at its first request."""
        for _, route in self._routes:
            if id(route) not in self._handlers:
                self._handlers[id(route)] = Handler(route)

    def __call__(self, request: Request) -> Response:
        path = request.path_info
        if _CONTROL.search(path):
            raise BadRequest("the path contains a control character")
        for match, route in self._routes:
            m = match(path)
            if m is not None:
                break
        else:
            self.access.check_unrouted(request)
            raise NotFound()
        request.route = route
        handler = self._handlers.get(id(route))
        if handler is None:
            handler = self._handlers[id(route)] = Handler(route)
        answer = handler.options(request)
        if answer is not None:
            return answer
        if route.options:           # before access: the CSRF check may read the body
            request.limits = request.limits.with_options(route.options)
        try:
            self.access.check(request, route, handler)
        except HTTPError as error:
            if handler.refusal is None:
                raise
            return to_response(handler.refusal(request, error), request)
        return to_response(handler(request, m.groupdict()), request)
