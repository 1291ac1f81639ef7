"""A backend's WSGI application, built from the site's configuration and its route module.

    app = build_app(site, site.backend("appliance.ui"))

The route module (the backend's `app` setting) holds `routes` and optionally
  middleware   = [...]                      hooks or WSGI wrappers, outermost first (objects or
                                            dotted paths)
  error_pages  = {404: "pkg.views.not_found"}   status -> page(request, error)
  limits       = Limits(...) or {"max_body": ...}
"""
import logging
import os

from ..config import Backend, ConfigError, Site, load_site
from .access import check_route_options
from .dispatch import Dispatcher
from .errorpages import ErrorPages
from .errors import HTTPError
from .handlers import Handler, resolve_dotted
from .limits import LIMIT_NAMES, Limits, check_limits
from .middleware import build_chain, is_hook
from .request import Request
from .urlmap import UrlMap

log = logging.getLogger("pycopia_www.web")


class App:
    """The WSGI callable a backend serves."""

    def __init__(self, chain, make_request, errors: ErrorPages, backend: Backend, urls):
        self._chain = chain
        self._make_request = make_request
        self.errors = errors
        self.backend = backend
        self.urls = urls                    # this virtual host's URL map (get_url)

    def __call__(self, environ, start_response):
        request = self._make_request(environ)
        try:
            request.check_headers()
        except HTTPError as error:
            request.close()
            return self.errors.render(request, error)(environ, start_response)
        started = []

        def tracking_start_response(status, headers, exc_info=None):
            started.append(True)
            return start_response(status, headers, exc_info)

        try:
            result = self._chain(environ, tracking_start_response)
        except Exception as exc:
            # Only a WSGI wrapper can get here: the dispatcher and hooks answer their own errors.
            if started:
                request.close()
                raise
            result = self.errors.internal(request, exc)(environ, start_response)
        return _ClosingBody(result, request)


class _ClosingBody:
    """The response body; closing it (the server does, when the response is sent) also removes
    the request's spooled uploads."""

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

    def make_request(environ):
        return Request.of(environ, limits=limits, urls=urls, debug=backend.debug)

    core = Dispatcher(placed, errors, make_request, backend)
    # The backend's configured middleware (etc/backends.d) wraps the route module's own.
    middleware = (_middleware(backend.file, f"{backend.key}.middleware", backend.middleware)
                  + _middleware(module.file, "middleware", getattr(namespace, "middleware", ())))
    if backend.database is not None:        # request.db, outermost (docs/data.md)
        from ..data.session import database_hook
        middleware.insert(0, database_hook(backend))
    chain = build_chain(core, middleware, errors, make_request)
    return App(chain, make_request, errors, backend, urls)


def app_from_environment() -> App:
    """The application for the backend the farm started this process for: the farm sets
    PYCOPIA_WWW_FARM (the farm file) and PYCOPIA_WWW_BACKEND (the backend's ident)."""
    site = load_site(os.environ["PYCOPIA_WWW_FARM"])
    return build_app(site, site.backend(os.environ["PYCOPIA_WWW_BACKEND"]))


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
