"""The URL map of a whole site: every route of every backend of every virtual host, and get_url.

    urls = UrlMap.from_site(site)                  # imports route modules, never views
    urls.for_backend(backend).get_url("home")      # "/"
    urls.for_backend(backend).get_url(views.row, table="t", row=3)
    urls.vhost("docs").get_url("manual", page="intro", _external=True)

The map models lighttpd's routing (static prefixes, then `match` backends in declared order, then
prefix backends longest first) so that get_url can check that a URL reaches the backend and the
route it was built from.
"""
import re
import sys
from copy import copy
from dataclasses import dataclass, field

from ..config import Backend, ConfigError, Site, VirtualHost
from ..urls import Route, RouteModule, canonical_target, load_routes, show_pattern
from .convert import to_text
from .menu import collect_menu
from .multidict import MultiDict
from .reverse import Failed, InvalidTarget, NoReverseMatch, ReverseEntry, percent_encode, percent_table
from .pattern import path_shape

DEFAULT_PORTS = {"http": 80, "https": 443}
_FRAGMENT_TABLE = percent_table("/?:@!$&'()*+,;=-._~")
_QUERY_TABLE = percent_table("-._~")
_USABLE_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])$")


@dataclass(frozen=True, eq=False)
class Placed:
    """A route as it sits in the site: its virtual host, backend and position."""
    route: Route
    vhost: VirtualHost
    backend: Backend
    index: int
    file: str                       # the route module's file

    @property
    def prefix(self) -> str:
        """What lighttpd puts in SCRIPT_NAME: the prefix of a prefix backend other than "/"."""
        p = self.backend.prefix
        return p if p and p != "/" else ""

    @property
    def key(self) -> str:
        return self.route.key

    @property
    def where(self) -> str:
        return f"route {self.index} of {self.backend.ident} ({show_pattern(self.route.pattern)})"

    @property
    def full_pattern(self) -> str:
        """The route's regex on the whole path (the backend's prefix written in), e.g. for
        generating front-end routing or printing the URL tree."""
        if not self.prefix:
            return self.route.pattern
        rest = self.route.pattern[1:] if self.route.pattern.startswith("^") else self.route.pattern
        return "^" + re.escape(self.prefix) + rest

    @property
    def config_key(self) -> str:
        line = f" (line {self.route.line})" if self.route.line else ""
        return f"routes[{self.index}]{line}"


@dataclass(frozen=True)
class Resolved:
    """Where a full path goes: a static directory, or a backend and (maybe) one of its routes."""
    backend: Backend | None
    placed: Placed | None = None
    groups: dict = field(default_factory=dict)
    static: str | None = None


def first_match(placed_routes, path_info: str):
    """The dispatcher's rule: the first route whose regex matches (re.match) the path."""
    for placed in placed_routes:
        m = placed.route.regex.match(path_info)
        if m is not None:
            return placed, m
    return None, None


def _backend_capture(b: Backend):
    """(captures(full_path), path_shape) of a backend in lighttpd's routing."""
    if b.match is not None:
        regex = re.compile(b.match)
        return regex.search, path_shape(regex)
    if b.prefix == "/":
        return (lambda path: True), (frozenset({""}), False)
    p, below = b.prefix, b.prefix + "/"
    return (lambda path: path == p or path.startswith(below)), (frozenset({p}), False)


class VhostUrls:
    """get_url and path resolution for one virtual host."""

    def __init__(self, site_map: "UrlMap", vhost: VirtualHost, placed: dict[str, list[Placed]],
                 origin: tuple[str, str, int]):
        self.site_map = site_map
        self.vhost = vhost
        self.placed = placed                    # backend ident -> its routes, in order
        self.origin = origin                    # (scheme, host, port) for external URLs
        self._order = [(b, *_backend_capture(b)) for b in vhost.routing_order()]
        statics = [(f"goes to the static directory {url} first", (lambda path, u=url: path.startswith(u)),
                    (frozenset({url}), False)) for url in vhost.static]
        self.by_name: dict[str, tuple[ReverseEntry, ...]] = {}
        self.by_target: dict[str, tuple[ReverseEntry, ...]] = {}
        self._check_names()
        built: dict[int, ReverseEntry] = {}
        for position, (b, captures, _) in enumerate(self._order):
            before = statics + [(f"goes to backend {o.ident} first", c, p)
                                for o, c, p in self._order[:position]]
            own = None if b.prefix == "/" else captures
            routes = placed.get(b.ident, [])
            for i, pl in enumerate(routes):
                built[id(pl)] = ReverseEntry(pl, routes[:i], before, own)
        # Declaration order: a handler routed several times is reversed to its first route that
        # fits the parameters, as the route tables read from top to bottom.
        self.entries = [built[id(pl)] for b in vhost.backends for pl in placed.get(b.ident, ())]
        for entry in self.entries:
            pl = entry.placed
            self.by_target[pl.key] = self.by_target.get(pl.key, ()) + (entry,)
            if pl.route.name is not None:
                self.by_name[pl.route.name] = (entry,)
        self._object_keys: dict = {}
        self.menu = collect_menu(self.entries)      # routes declared with menu=..., all backends

    def _check_names(self) -> None:
        """A route name means one route in a virtual host; the later declaration is the error."""
        names: dict[str, Placed] = {}
        for b in self.vhost.backends:
            for pl in self.placed.get(b.ident, ()):
                if pl.route.name is None:
                    continue
                if pl.route.name in names:
                    other = names[pl.route.name]
                    raise ConfigError(pl.file, pl.config_key, f"route name {pl.route.name!r} is "
                                      f"also used by {other.where} in {other.file}")
                names[pl.route.name] = pl

    # -- resolving ------------------------------------------------------------------------------

    def resolve(self, path: str) -> Resolved:
        """Where lighttpd and then the backend's dispatcher send a (decoded) full path."""
        for url in self.vhost.static:
            if path.startswith(url):
                return Resolved(None, static=url)
        for b, captures, _ in self._order:
            if captures(path):
                info = path[len(b.prefix):] if b.prefix not in (None, "/") else path
                placed, m = first_match(self.placed.get(b.ident, ()), info)
                return Resolved(b, placed, m.groupdict() if m else {})
        return Resolved(None)

    # -- reversing ------------------------------------------------------------------------------

    def bind(self, scheme: str, host: str, port: int) -> "VhostUrls":
        """A view of this map whose external URLs use this scheme, host and port."""
        bound = copy(self)
        bound.origin = (scheme, host if _USABLE_HOST.match(host) else self.origin[1], port)
        return bound

    def get_url(self, target, /, *, _query=None, _fragment=None, _external=False, _host=None,
                **params) -> str:
        """The URL of `target` (a route name, a handler's dotted path, or the handler itself)."""
        urls = self
        if _host is not None:
            try:
                urls = self.site_map.vhost(_host)
            except LookupError:
                raise NoReverseMatch(target, params, [], f"unknown virtual host {_host!r}") from None
            _external = True
        if type(target) is str:
            entries = urls.by_name.get(target) or urls._entries_for(target)
        else:
            entries = urls._entries_for(target)
        if entries is None:
            raise NoReverseMatch(target, params, [], f"no route is named so or has this handler "
                                                     f"in virtual host {urls.vhost.name!r}")
        for entry in entries:
            try:
                path = entry.build(params)
                break
            except Failed:
                pass
        else:
            raise NoReverseMatch(target, params, self._reasons(entries, params))
        if _query is not None:
            query = _query_pairs(_query)
            if query:
                try:
                    path += "?" + _encode_query(query)
                except (ValueError, TypeError) as exc:
                    raise NoReverseMatch(target, params, [], f"_query: {exc}") from None
        if _fragment is not None:
            if type(_fragment) is not str:
                raise TypeError(f"get_url: _fragment is a str, not {_fragment!r}")
            path += "#" + percent_encode(_fragment, _FRAGMENT_TABLE)
        if _external:
            return urls._origin_for(self) + path
        return path

    def _origin_for(self, caller: "VhostUrls") -> str:
        scheme, host, port = caller.origin
        if self.vhost is not caller.vhost:
            if not self.vhost.hosts:
                raise NoReverseMatch("", {}, [], f"virtual host {self.vhost.name!r} has no host name")
            host = self.vhost.hosts[0]
        return f"{scheme}://{host}" + ("" if DEFAULT_PORTS.get(scheme) == port else f":{port}")

    @staticmethod
    def _reasons(entries, params) -> list[tuple[str, str]]:
        tried = []
        for entry in entries:
            try:
                entry.build(params)
            except Failed as exc:
                tried.append((f"{entry.placed.where} in {entry.placed.file}", str(exc)))
        return tried

    def _entries_for(self, target):
        if type(target) is str:
            return self.by_name.get(target) or self.by_target.get(canonical_target(target))
        if not callable(target):
            raise InvalidTarget(target)
        try:
            key = self._object_keys.get(target)
        except TypeError:   # unhashable callable
            key = None
        if key is None:
            key = self._key_of(target)
            if key is not None:
                self._object_keys[target] = key
        return self.by_target.get(key) if key else None

    def _key_of(self, obj) -> str | None:
        """The routed dotted path of a handler object: by its own name, or else by identity among
        the targets whose modules are already imported (a re-exported function, an instance)."""
        name = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
        if name in self.by_target:
            return name
        for key, entries in self.by_target.items():
            found = _imported_object(entries[0].placed.route.target)
            if found is not None and found is obj:
                return key
        return None


def _imported_object(target: str):
    """The object at a dotted path if its module is already imported (never imports)."""
    if ":" in target:
        module_name, _, attrs = target.partition(":")
        cut, parts = 1, [module_name, *attrs.split(".")]
    else:
        parts = target.split(".")
        cut = next((c for c in range(len(parts) - 1, 0, -1) if ".".join(parts[:c]) in sys.modules), 0)
        parts = [".".join(parts[:cut]), *parts[cut:]]
    obj = sys.modules.get(parts[0]) if cut else None
    for name in parts[1:]:
        obj = getattr(obj, name, None)
    return obj


def _query_pairs(query) -> list:
    """The (key, value) pairs of a _query: a MultiDict (every value of a repeated key), another
    mapping, or a list or tuple of pairs. Raises TypeError for anything else: a set has no order
    (the URL would change from run to run), a string or a number is no set of arguments."""
    if type(query) is dict:
        return query.items()
    if isinstance(query, MultiDict):
        return query.items(multi=True)
    if hasattr(query, "items") and not isinstance(query, (str, bytes)):
        return query.items()
    if isinstance(query, (list, tuple)) and all(
            isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in query):
        return list(query)
    raise TypeError(f"get_url: _query is a mapping or a list of (key, value) pairs, not {query!r}")


def _encode_query(pairs) -> str:
    """application/x-www-form-urlencoded, with %20 for spaces (unambiguous everywhere)."""
    out = []
    for key, value in pairs:
        key = percent_encode(str(key), _QUERY_TABLE)
        if isinstance(value, (list, tuple)):
            out += [key + "=" + percent_encode(to_text(v), _QUERY_TABLE) for v in value]
        else:
            out.append(key + "=" + percent_encode(to_text(value), _QUERY_TABLE))
    return "&".join(out)


class UrlMap:
    """Every route of every backend of every virtual host of a site."""

    def __init__(self, site: Site, modules: dict[str, RouteModule | None], *, scheme: str = "http"):
        self.site = site
        self.modules = modules
        self.vhosts: dict[str, VhostUrls] = {}
        self._hosts: dict[str, VhostUrls] = {}
        for vhost in site.vhosts:
            placed = {}
            for b in vhost.backends:
                module = modules.get(b.ident)
                if module is not None:
                    placed[b.ident] = [Placed(r, vhost, b, i, module.file) for i, r in enumerate(module.routes)]
            host = vhost.hosts[0] if vhost.hosts else "localhost"
            urls = VhostUrls(self, vhost, placed, (scheme, host, site.farm.port))
            self.vhosts[vhost.name] = urls
            for h in vhost.hosts:
                self._hosts[h] = urls

    @classmethod
    def from_site(cls, site: Site, *, loaded: dict | None = None, **kw) -> "UrlMap":
        """Import the route module of every backend (`app` without ":"; a module without
        `routes` is a plain WSGI application and has none). `loaded`: ident -> RouteModule
        already loaded, not loaded again."""
        modules = dict(loaded or {})
        for b in site.backends:
            if b.ident in modules:
                continue
            if ":" in b.app:
                modules[b.ident] = None
                continue
            try:
                modules[b.ident] = load_routes(b.app)
            except ConfigError:
                raise
            except Exception as exc:
                raise ConfigError(b.file, f"{b.key}.app", f"cannot import {b.app}: "
                                  f"{type(exc).__name__}: {exc}") from exc
        return cls(site, modules, **kw)

    @property
    def default(self) -> VhostUrls:
        return self.vhosts[self.site.vhosts[-1].name]

    def vhost(self, name_or_host: str) -> VhostUrls:
        """A virtual host by its name (file stem) or any of its host names (port ignored)."""
        if name_or_host in self.vhosts:
            return self.vhosts[name_or_host]
        host = name_or_host.lower().rsplit(":", 1)[0] if "]" not in name_or_host else name_or_host.lower()
        try:
            return self._hosts[host]
        except KeyError:
            raise LookupError(f"no virtual host {name_or_host!r}") from None

    def for_backend(self, backend: Backend) -> VhostUrls:
        return self.vhosts[backend.host]

    def module(self, backend: Backend) -> RouteModule | None:
        return self.modules.get(backend.ident)

    def get_url(self, target, /, **kw) -> str:
        """get_url on the default virtual host (pass _host= for another)."""
        return self.default.get_url(target, **kw)

    def routes(self) -> list[Placed]:
        """Every placed route: host by host, backend by backend, in each backend's order."""
        return [p for urls in self.vhosts.values() for b in urls.vhost.backends
                for p in urls.placed.get(b.ident, ())]

    def table(self) -> list[tuple[str, str, str, str, str]]:
        """(virtual host, backend ident, full-path pattern, handler, name or "") per route: the
        whole URL tree, for `websitectl urls`."""
        return [(p.vhost.name, p.backend.ident, p.full_pattern, p.route.target, p.route.name or "")
                for p in self.routes()]

    def problems(self) -> list[ConfigError]:
        """Named routes that can never be reversed, each as a ConfigError naming the route
        module's file and the entry. (Unnamed routes may be reversed by handler where possible.)"""
        out = []
        for urls in self.vhosts.values():
            for entry in urls.entries:
                if entry.placed.route.name is not None and entry.problem is not None:
                    pl = entry.placed
                    out.append(ConfigError(pl.file, pl.config_key, f"route {pl.route.name!r} "
                                           f"({show_pattern(pl.route.pattern)} in {pl.backend.ident}): {entry.problem}"))
        return out
