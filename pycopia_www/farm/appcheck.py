"""Can a backend's user load the backend's application? Run as that user by `websitectl check`.

    python -m pycopia_www.farm.appcheck FARM_FILE HOST.BACKEND

Prints one JSON object: {"errors": [...], "warnings": [...]}, each item {file, key, problem}.
Running as the backend's user (not as root) means application code never runs as root here, and
unreadable files show up now rather than at the first request.
"""
import importlib.util
import json
import sys

from ..config import ConfigError, load_site


def problems(farm_file: str, ident: str) -> tuple[list[ConfigError], list[ConfigError]]:
    site = load_site(farm_file)
    b = site.backend(ident)
    sys.path[:0] = site.import_paths(b)
    module_name = b.app.partition(":")[0]
    try:
        found = importlib.util.find_spec(module_name)
    except ModuleNotFoundError:
        found = None
    if found is None:
        return [ConfigError(b.file, f"{b.key}.app", f"module {module_name!r} not found")], []
    from ..urls import load_routes
    from .backend import load_app
    try:
        if ":" in b.app or load_routes(module_name) is None:
            load_app(b.app)                     # a plain WSGI application
            return [], []
    except ConfigError:
        raise
    except LookupError as exc:
        return [ConfigError(b.file, f"{b.key}.app", str(exc))], []
    except Exception as exc:
        return [ConfigError(b.file, f"{b.key}.app", f"importing it fails: {type(exc).__name__}: {exc}")], []
    from ..web.app import check_handlers
    from ..web.urlmap import UrlMap
    url_map = UrlMap.from_site(site)
    return check_handlers(url_map, b), url_map.problems()


def main(argv: list[str]) -> int:
    try:
        errors, warnings = problems(argv[1], argv[2])
    except ConfigError as exc:
        errors, warnings = [exc], []
    as_dicts = lambda items: [{"file": e.file, "key": e.key, "problem": e.problem} for e in items]
    print(json.dumps({"errors": as_dicts(errors), "warnings": as_dicts(warnings)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
