"""A backend's WSGI application, built from the site's configuration and its route module.

    app = build_app(site, site.backend("appliance.ui"))

The route module (the backend's `app` setting) holds `routes` and optionally
  middleware   = [...]                      hooks or WSGI wrappers (middleware.py), outermost
                                            first (objects or dotted paths)
  error_pages  = {404: "pkg.views.not_found"}   status -> page(request, error)
  limits       = Limits(...) or {"max_body": ...}

One pass per request: the Request is built once; App.handle(request) runs the hooks around the
dispatcher and returns a Response, every error rendered by the one ErrorPages; HEAD and the CSRF
cookie are applied once; the Response becomes WSGI once, at the edge (App.__call__), where the
configured WSGI wrappers sit outside everything.
"""
import logging

from ..config import Backend, ConfigError, Site
from ..config.hosts import served_names
from ..markup.context import page_context
from . import csrf
from .access import check_route_options
from .dispatch import Dispatcher
from .errorpages import ErrorPages
from .errors import MisdirectedRequest
from .handlers import Handler, resolve_dotted
from .limits import LIMIT_NAMES, Limits, check_limits
from .middleware import Hooks, is_hook, split
from .request import Request
from .response import Response
from .urlmap import UrlMap

log = logging.getLogger("pycopia_www.web")


class App:
    """The WSGI callable a backend serves; handle(request) -> Response is the same without WSGI."""

    def __init__(self, dispatcher: Dispatcher, hooks: list, wrappers: list, errors: ErrorPages,
                 backend: Backend, urls, limits: Limits, hosts: frozenset[str] | None = None):
        self.dispatcher = dispatcher
        self.hosts = hosts                  # the host names this virtual host answers; None: any
        self.hooks = Hooks(hooks, errors.response_for)
        self.errors = errors
        self.backend = backend
        self.urls = urls                    # this virtual host's URL map (get_url)
        self.limits = limits
        wsgi = self._serve
        for wrapper in reversed(wrappers):  # the first listed is the outermost
            wsgi = wrapper(wsgi)
        self._wsgi = wsgi

    def request(self, environ) -> Request:
        return Request(environ, limits=self.limits, urls=self.urls, debug=self.backend.debug)

    def handle(self, request: Request) -> Response:
        with page_context(url_resolver=request.get_url, csrf=csrf.provider(request)):
            try:
                request.check_headers()
                if self.hosts is not None and request.host not in self.hosts:
                    raise MisdirectedRequest(f"this server does not answer for {request.host!r}")
            except Exception as exc:
                response = self.errors.response_for(request, exc)
            else:
                response = self.hooks.run(request, self.dispatcher)
        return self._finish(request, response)

    @staticmethod
    def _finish(request: Request, response: Response) -> Response:
        csrf.set_cookie(request, response)
        if request.method == "HEAD":
            response.without_body()
        return response

    def _serve(self, environ, start_response):
        request = self.request(environ)
        try:
            result = self.handle(request)(environ, start_response)
        except BaseException:
            request.close()
            raise
        return _closing(result, request)

    def __call__(self, environ, start_response):
        if self._wsgi is self._serve:
            return self._serve(environ, start_response)
        started = []

        def tracking_start_response(status, headers, exc_info=None):
            started.append(True)
            return start_response(status, headers, exc_info)

        try:
            return self._wsgi(environ, tracking_start_response)
        except Exception as exc:
            # A configured WSGI wrapper failed outside the pipeline: the same renderer answers.
            if started:
                raise
            request = self.request(environ)
            return self._finish(request, self.errors.internal(request, exc))(environ, start_response)


class _ClosingList(list):
    """The body list, with close() removing the request's spooled uploads: still a list, so the
    FastCGI server sends headers, body and end-of-request in one write."""
    __slots__ = ("_request",)

    def close(self):
        self._request.close()


class _ClosingBody:
    """A streamed body; closing it (the server does, when the response is sent) closes the
    stream, then removes the request's spooled uploads."""

    def __init__(self, result, request):
        self._result = result
        self._request = request

    def __iter__(self):
        return iter(self._result)

    def close(self):
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._request.close()


def _closing(result, request):
    """The response body as the server should get it: the plain list when there is nothing to
    clean up (the fast path), a closing list or stream otherwise."""
    if type(result) is list:
        if not request.has_uploads():
            return result
        body = _ClosingList(result)
        body._request = request
        return body
    return _ClosingBody(result, request)


def build_app(site: Site, backend: Backend, *, url_map: UrlMap | None = None) -> App:
    """The WSGI application for `backend`. Raises ConfigError when its route module or its
    middleware, error_pages or limits are wrong. Logs (does not refuse) named routes of this
    backend that can never be reversed."""
    url_map = url_map or UrlMap.from_site(site)
    module = url_map.module(backend)
    if module is None:
        raise ConfigError(backend.file, f"{backend.key}.app", f"{backend.app} has no `routes` list")
    urls = url_map.for_backend(backend)
    namespace = module.namespace
    limits = _limits(module)
    errors = ErrorPages(_error_pages(module), debug=backend.debug)
    placed = urls.placed.get(backend.ident, [])
    for p in placed:
        route_limits = {k: v for k, v in p.route.options.items() if k in LIMIT_NAMES}
        if problem := check_limits(route_limits):
            raise ConfigError(module.file, p.config_key, problem)
        if error := check_route_options(backend, p.route, module.file, p.config_key):
            raise error
    for problem in url_map.problems():
        if problem.file == module.file:
            log.warning("%s", problem)
    # The backend's configured middleware (etc/backends.d) comes before the route module's own.
    hooks, wrappers = split(_middleware(backend.file, f"{backend.key}.middleware", backend.middleware)
                            + _middleware(module.file, "middleware", getattr(namespace, "middleware", ())))
    if backend.database is not None:        # request.db, outermost (docs/data.md)
        from ..data.session import database_hook
        hooks.insert(0, database_hook(backend))
    vhost = urls.vhost
    hosts = None if vhost.any_host else frozenset(served_names(site, vhost))
    return App(Dispatcher(placed, backend), hooks, wrappers, errors, backend, urls, limits, hosts)


def check_handlers(url_map: UrlMap, backend: Backend) -> list[ConfigError]:
    """Import every handler of `backend` and check it fits its route (kind, parameters,
    converters). For `websitectl check`, run as the backend's user."""
    module = url_map.module(backend)
    problems = []
    for p in url_map.for_backend(backend).placed.get(backend.ident, []):
        if error := check_route_options(backend, p.route, module.file, p.config_key):
            problems.append(error)
            continue
        try:
            Handler(p.route)
        except Exception as exc:
            problems.append(ConfigError(module.file, p.config_key,
                                        f"handler {p.route.target}: {type(exc).__name__}: {exc}"))
    return problems


def _limits(module) -> Limits:
    value = getattr(module.namespace, "limits", None)
    if value is None or isinstance(value, Limits):
        return value or Limits()
    if not isinstance(value, dict):
        raise ConfigError(module.file, "limits", "must be Limits(...) or a dict")
    if problem := check_limits(value):
        raise ConfigError(module.file, "limits", problem)
    return Limits(**value)


def _error_pages(module) -> dict:
    pages = getattr(module.namespace, "error_pages", None) or {}
    if not isinstance(pages, dict):
        raise ConfigError(module.file, "error_pages", "must be a dict: status -> page")
    for status, page in pages.items():
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise ConfigError(module.file, f"error_pages[{status!r}]", "the key must be a status 400-599")
        if not (isinstance(page, str) or callable(page)):
            raise ConfigError(module.file, f"error_pages[{status}]", "must be a dotted path or a callable")
    return pages


def _middleware(file, where: str, items) -> list:
    out = []
    for i, item in enumerate(items):
        key = f"{where}[{i}]"
        if isinstance(item, str):
            try:
                item = resolve_dotted(item)
            except Exception as exc:
                raise ConfigError(file, key, f"cannot import {item}: {exc}") from None
        if isinstance(item, type) and is_hook(item):
            item = item()
        if not (is_hook(item) or callable(item)):
            raise ConfigError(file, key, "must be a hook (before/after methods) or a WSGI "
                                                "wrapper (a callable taking and returning an app)")
        out.append(item)
    return out
