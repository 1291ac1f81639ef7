"""A backend's application put together from the layers: the composition root above web, data
and ui, used by the backend process, the app check and the test client, so each layer imports
only those below it.

A backend's `app` is
  pkg.module          a route module (`routes = [...]`): the framework's App is built from it,
                      with request.db for a backend with a database (pycopia_www.data) and
                      error pages in the shipped layout (pycopia_www.ui)
  pkg.module          without `routes`: its WSGI callable `application`
  pkg.module:attr     any WSGI callable
A backend with `auth` serves only the path its authorizer decided on (web/routed_path.py).

    load(site, backend) -> the WSGI callable the backend serves
    framework_app(site, backend) -> the App of a route module, composed
    check(site, backend) -> (errors, warnings) for `websitectl check`

The farm names this module by a dotted path only (farm/backend.py, farm/accounts.py): the farm
knows "a WSGI callable made by a function named by a dotted path", never the web layer.

Run as a backend's user by websitectl (so that root never imports application code):

    python -m pycopia_www.compose check IDENT     < snapshot.json
    python -m pycopia_www.compose urls           < snapshot.json
    python -m pycopia_www.compose url TARGET HOST|- K=V...   < snapshot.json

Each prints one JSON object on its last line of output.
"""
import importlib.util
import json
import sys

from . import authproof
from .config import Backend, ConfigError, Site, Snapshot, load_site
from .urls import load_routes
from .web.app import build_app, check_handlers
from .web.handlers import resolve_dotted
from .web.reverse import NoReverseMatch
from .web.routed_path import require_authorized_path
from .web.urlmap import UrlMap


def wsgi_callable(target: str):
    """`pkg.module:attr`, or `pkg.module`'s `application`."""
    name = target if ":" in target else f"{target}:application"
    app = resolve_dotted(name)
    if not callable(app):
        raise LookupError(f"{target}: {name.partition(':')[2]!r} is not a WSGI callable")
    return app


def _route_module(backend: Backend):
    """The backend's route module, checked; None for a plain WSGI application."""
    return None if ":" in backend.app else load_routes(backend.app)


def framework_app(site: Site, backend: Backend, *, url_map: UrlMap | None = None):
    """The App of a route module, with what the layers above the web layer add: request.db as
    the outermost hook for a backend with a database (docs/data.md), and error pages in the
    shipped layout unless the route module names its own (docs/ui.md)."""
    hooks = []
    if backend.database is not None:
        from .data.session import database_hook
        hooks.append(database_hook(backend))
    from .ui.layout import error_page
    return build_app(site, backend, url_map=url_map, hooks=hooks, error_page=error_page)


def load(site: Site, backend: Backend):
    """The WSGI callable `backend` serves (its route module imported once, and every handler:
    the backend's master loads them before forking its workers, which then share them); a
    protected backend's serves only the path its authorizer decided on (routed_path)."""
    own = _route_module(backend)
    if own is None:
        app = wsgi_callable(backend.app)
    else:
        app = framework_app(site, backend, url_map=UrlMap.from_site(site, loaded={backend.ident: own}))
        app.dispatcher.import_handlers()
    return app if backend.auth is None else require_authorized_path(app, authproof.installed_key())


def check(site: Site, backend: Backend) -> tuple[list[ConfigError], list[ConfigError]]:
    """Can this process (the backend's user) load the application? Errors and warnings (named
    routes that can never be reversed), each naming file, key and problem."""
    module_name = backend.app.partition(":")[0]
    try:
        found = importlib.util.find_spec(module_name)
    except ModuleNotFoundError:
        found = None
    if found is None:
        return [ConfigError(backend.file, f"{backend.key}.app", f"module {module_name!r} not found")], []
    try:
        own = _route_module(backend)
        if own is None:
            wsgi_callable(backend.app)
            return [], []
        url_map = UrlMap.from_site(site, loaded={backend.ident: own})
    except ConfigError as exc:
        return [exc], []
    except LookupError as exc:
        return [ConfigError(backend.file, f"{backend.key}.app", str(exc))], []
    except Exception as exc:
        return [ConfigError(backend.file, f"{backend.key}.app",
                            f"importing it fails: {type(exc).__name__}: {exc}")], []
    return check_handlers(url_map, backend), url_map.problems()


# ----- run as a backend's user by websitectl ----------------------------------------------------

def _as_dicts(errors) -> list[dict]:
    return [{"file": str(e.file), "key": e.key, "problem": e.problem} for e in errors]


def _command(site: Site, args: list[str]) -> dict:
    what = args[0]
    if what == "check":
        errors, warnings = check(site, site.backend(args[1]))
        return {"errors": _as_dicts(errors), "warnings": _as_dicts(warnings)}
    url_map = UrlMap.from_site(site)
    if what == "urls":
        return {"rows": url_map.table()}
    if what == "url":
        target, host, pairs = args[1], args[2], args[3:]
        params = dict(pair.partition("=")[::2] for pair in pairs)
        try:
            return {"url": url_map.get_url(target, _host=None if host == "-" else host, **params)}
        except NoReverseMatch as exc:
            return {"error": str(exc)}
    raise SystemExit(f"unknown command {what!r}")


def main(argv: list[str]) -> int:
    """argv: [command, ...]; stdin: the site's snapshot (JSON) and the backend whose import
    paths to use ({"snapshot": ..., "backend": ident})."""
    request = json.loads(sys.stdin.read())
    try:
        site = load_site(None, Snapshot.from_json(request["snapshot"]))
        sys.path[:0] = site.import_paths(site.backend(request["backend"]))
        reply = _command(site, argv)
    except ConfigError as exc:
        reply = {"errors": _as_dicts([exc]), "warnings": []}
    print(json.dumps(reply))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
