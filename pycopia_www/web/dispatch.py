"""The dispatcher: the innermost layer of a backend's application.

It matches the path below the backend's prefix (PATH_INFO, as lighttpd passes it) against the
backend's routes in order, imports the handler on first use, calls it, and turns what it returns
(or raises) into a Response. 404 when no route matches or a parameter does not convert; 405 with
Allow for a method the handler does not answer; 500 for anything else that escapes.
"""
from ..markup import settings as markup_settings
from ..markup import urls as markup_urls
from . import csrf
from .access import refuse, route_roles
from .errorpages import ErrorPages
from .errors import HTTPError, NotFound
from .handlers import Handler
from .request import Request
from .response import to_response


class Dispatcher:
    def __init__(self, placed_routes, errors: ErrorPages, make_request, backend=None):
        self._routes = tuple((p.route.regex.match, p.route) for p in placed_routes)
        # Who may have each route (docs/auth.md); checked here too, not only by the authorizer.
        self._roles = {id(p.route): route_roles(p.backend, p.route) for p in placed_routes}
        self._unrouted = route_roles(backend, None) if backend is not None else None
        self._handlers: dict[int, Handler] = {}
        self.errors = errors
        self.make_request = make_request

    def handle(self, request: Request):
        # Pages built with pycopia_www.markup resolve url("name", ...) like request.get_url.
        # and POST forms carry this request's CSRF token.
        previous = markup_urls.get_url_resolver(), markup_settings.get_csrf_provider()
        markup_urls.set_url_resolver(request.get_url)
        markup_settings.set_csrf_provider(lambda: csrf.token_for(request))
        try:
            response = self._handle(request)
        finally:
            markup_urls.set_url_resolver(previous[0])
            markup_settings.set_csrf_provider(previous[1])
        csrf.set_cookie(request, response)
        return response

    def _handle(self, request: Request):
        try:
            path = request.path_info
            for match, route in self._routes:
                m = match(path)
                if m is not None:
                    break
            else:
                refused = refuse(request, self._unrouted)
                if refused is not None:
                    return refused
                raise NotFound()
            request.route = route
            refused = refuse(request, self._roles[id(route)])
            if refused is not None:
                return refused
            if route.options:
                request.limits = request.limits.with_options(route.options)
            handler = self._handlers.get(id(route))
            if handler is None:
                handler = self._handlers[id(route)] = Handler(route)
            response = to_response(handler(request, m.groupdict()), request)
        except HTTPError as error:
            return self.errors.render(request, error)
        except Exception as exc:
            return self.errors.internal(request, exc)
        if request.method == "HEAD":
            response.without_body()
        return response

    def __call__(self, environ, start_response):
        return self.handle(self.make_request(environ))(environ, start_response)
