"""Route tables: data that maps URL regexes to handlers named by dotted path.

    # handlers/ui/urls.py
    from pycopia_www.urls import route
    routes = [
        route(r"^/$", "handlers.ui.views.index", name="home"),
        route(r"^/table/(?P<table>\\w+)/(?P<row>\\d+)$", "handlers.ui.views.row"),
    ]

Every backend of a virtual host imports every route module of that host (get_url can reverse to
another backend), so a route module must not import view code: handlers are strings here and are
imported lazily, only by the backend that owns them.

This module sits below both the farm and the web layer: it imports neither.
"""
import importlib
import re
import sys
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .config import ConfigError
from .config.site import _check_role

__all__ = ["Route", "RouteModule", "route", "load_routes", "canonical_target", "show_pattern",
           "TABLE_PAGES"]

# The pages of a table (pycopia_www.ui.tables.TablePages) below one route, which a route module
# writes after its prefix: route(r"^/tables/hosts/" + TABLE_PAGES, "handlers.db.tables.hosts").
# The list is the prefix itself; then add, KEY/ (view), KEY/edit and KEY/delete. get_url chooses
# by the parameters given: get_url("hosts", key=3, action="edit") is "/tables/hosts/3/edit".
TABLE_PAGES = r"(?:(?P<key>[^/]+)/)?(?P<action>add|edit|delete)?$"

# "pkg.module.attr" or "pkg.module:attr.inner"; at least a module and an attribute.
_TARGET = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*([.:][A-Za-z_]\w*)(\.[A-Za-z_]\w*)*$")
_NAME = re.compile(r"^[A-Za-z_][\w.:-]*$")
_METHOD = re.compile(r"^[A-Z]+$")


@dataclass(frozen=True, eq=False)
class Route:
    pattern: str
    target: str                          # as written: "pkg.mod.attr" or "pkg.mod:attr"
    name: str | None = None
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    line: int | None = None              # where route() was called, for error messages
    regex: re.Pattern | None = None      # set by load_routes once the pattern is checked

    @property
    def key(self) -> str:
        """The canonical dotted path of the handler (":" written as ".")."""
        return canonical_target(self.target)

    @property
    def methods(self) -> frozenset[str] | None:
        """The methods a plain-function handler accepts (None: any)."""
        methods = self.options.get("methods")
        return None if methods is None else frozenset(methods)

    def __repr__(self) -> str:
        name = f", name={self.name!r}" if self.name else ""
        return f"route({show_pattern(self.pattern)}, {self.target!r}{name})"


@dataclass(frozen=True)
class RouteModule:
    """A backend's route module, loaded and checked."""
    module: str
    file: str
    routes: tuple[Route, ...]
    namespace: Any                       # the module object: middleware, error_pages, limits


def show_pattern(pattern) -> str:
    """A pattern as it is written in a route table: r'...' (repr doubles every backslash)."""
    if isinstance(pattern, str) and "'" not in pattern and pattern.isprintable() \
            and not pattern.endswith("\\"):
        return f"r'{pattern}'"
    return repr(pattern)


def canonical_target(target: str) -> str:
    return target.replace(":", ".")


def route(pattern: str, target: str, name: str | None = None, **options) -> Route:
    """One entry of a route table. Checked when the table is loaded (load_routes), so that the
    error can name the module's file and the entry."""
    frame = sys._getframe(1)
    return Route(pattern, target, name, MappingProxyType(dict(options)), frame.f_lineno)


def load_routes(module_name: str) -> RouteModule | None:
    """Import `module_name` and check its `routes`; None when it has none (a plain WSGI module).

    Raises ConfigError(file, "routes[i]", problem) for the first bad entry.
    """
    module = importlib.import_module(module_name)
    file = getattr(module, "__file__", None) or module_name
    table = getattr(module, "routes", None)
    if table is None:
        return None
    if not isinstance(table, (list, tuple)):
        raise ConfigError(file, "routes", f"must be a list of route(...), not {type(table).__name__}")
    checked = []
    names: dict[str, str] = {}
    for i, entry in enumerate(table):
        key = f"routes[{i}]"
        if not isinstance(entry, Route):
            raise ConfigError(file, key, f"must be route(...), not {entry!r}")
        if entry.line is not None:
            key += f" (line {entry.line})"
        regex = _check(entry, file, key)
        if entry.name is not None:
            if entry.name in names:
                raise ConfigError(file, key, f"route name {entry.name!r} is also used by {names[entry.name]}")
            names[entry.name] = key
        checked.append(Route(entry.pattern, entry.target, entry.name, entry.options, entry.line, regex))
    return RouteModule(module_name, file, tuple(checked), module)


# A route may be a menu entry: route(..., menu="Network", menu_order=10, menu_section="System",
# menu_icon="/media/net.svg", menu_roles=["admin"]). The URL map collects them (web/urlmap.py,
# VhostUrls.menu). menu_roles: shown only to users with these roles, on top of the route's own
# protection (a page anyone may read whose entry is for those who may change it).
MENU_OPTIONS = {"menu": str, "menu_order": int, "menu_section": str, "menu_icon": str,
                "menu_roles": list}


def _menu_problem(options) -> str | None:
    roles = options.get("menu_roles")
    if roles is not None and (not isinstance(roles, (list, tuple)) or not roles
                              or any(not isinstance(r, str) or _check_role(r) for r in roles)):
        return f"menu_roles= must be a non-empty list of role names like ['admin'], not {roles!r}"
    for name, kind in MENU_OPTIONS.items():
        value = options.get(name)
        if value is None or kind is list:
            pass
        elif type(value) is not kind or (kind is str and not value.strip()):
            what = "a whole number" if kind is int else "a non-empty string"
            return f"{name}= must be {what}, not {value!r}"
        if value is not None and name != "menu" and "menu" not in options:
            return f"{name}= needs menu= (the entry's label)"
    return None


def _check(entry: Route, file: str, key: str) -> re.Pattern:
    def fail(problem: str) -> ConfigError:
        return ConfigError(file, key, f"{entry!r}: {problem}")

    if not isinstance(entry.pattern, str):
        raise fail("the pattern must be a string")
    if not isinstance(entry.target, str) or not _TARGET.match(entry.target):
        raise fail("the handler must be a dotted path string like 'pkg.module.function'")
    if entry.name is not None and (not isinstance(entry.name, str) or not _NAME.match(entry.name)):
        raise fail("a route name is letters, digits and _.:-, starting with a letter or _")
    try:
        regex = re.compile(entry.pattern)
    except re.error as exc:
        raise fail(f"not a valid regular expression: {exc}") from None
    if regex.groups > len(regex.groupindex):
        named = set(regex.groupindex.values())
        first = min(i for i in range(1, regex.groups + 1) if i not in named)
        raise fail(f"capturing group {first} has no name: write (?P<name>...) to pass it to the "
                   f"handler, or (?:...) to only group")
    reserved = [g for g in regex.groupindex if g.startswith("_")]
    if reserved:
        raise fail(f"group name {reserved[0]!r}: names starting with '_' are reserved for "
                   f"get_url's own arguments (_query, _fragment, _external, _host)")
    problem = _menu_problem(entry.options)
    if problem:
        raise fail(problem)
    methods = entry.options.get("methods")
    if methods is not None:
        if isinstance(methods, str) or not all(isinstance(m, str) and _METHOD.match(m) for m in methods):
            raise fail("methods= must be a list of upper-case method names, like ['GET', 'POST']")
    return regex
