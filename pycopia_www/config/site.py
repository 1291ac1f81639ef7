"""Virtual hosts and their backends: one TOML file per host in etc/backends.d/."""
import dataclasses
import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .. import STATIC_DIR, STATIC_URL
from .. import capabilities as caps
from .database import DatabaseSettings, load_database
from . import topics
from .errors import ConfigError
from .fields import Fields

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*)?$")
_ACCOUNT = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
AUTH_MODES = ("required", "optional")
START_MODES = ("always", "on-demand")
MAX_WORKERS = 256
_WORKER_RANGE = re.compile(r"^(\d+)\.\.(\d+)$")
_SIZE = re.compile(r"^([1-9]\d*)([KMG])$")
_SIZE_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
# [auth] password_cost: log2 of scrypt's N. 17 is OWASP's minimum; below it only for tests.
# (auth.passwords holds the same numbers; a unit test keeps them equal.)
PASSWORD_COST_DEFAULT, PASSWORD_COSTS = 17, range(14, 19)

BACKEND_KINDS = ("app", "events")
# What an events backend runs: the framework's events server (docs/events.md), never site code.
# As its `app` it is a plain callable without routes to every tool that loads applications.
EVENTS_SERVER = "pycopia_www.events.server:serve"


@dataclass(frozen=True)
class TopicRule:
    pattern: str                # a topic pattern (config/topics.py)
    read: frozenset[str]        # roles a subscriber needs; empty: anyone may listen


@dataclass(frozen=True)
class EventSettings:
    """What a backend with kind = "events" serves: its topics, and the limits of its streams."""
    topics: tuple[TopicRule, ...]   # the most specific pattern first
    replay: int                 # events kept per topic for clients that reconnect
    max_event: int              # bytes of one published value (JSON)
    max_streams: int            # open streams in all
    max_streams_per_client: int  # ... from one client address
    max_streams_per_session: int  # ... of one session
    stream_buffer: int          # bytes a stream may have unsent before its subscriber is dropped
    heartbeat: float            # seconds between keep-alive comments on an idle stream
    max_stream_age: float       # seconds after which a stream ends and its client reconnects

    def rule(self, topic: str) -> TopicRule | None:
        """The rule of one topic name: the most specific declared pattern covering it."""
        return next((r for r in self.topics if topics.covers(r.pattern, topic)), None)

    def roles_to_read(self, subscription: str) -> frozenset[str] | None:
        """The roles a subscriber needs for a topic name or pattern: for a pattern, those of
        every declared topic it may deliver. None: nothing declared matches it."""
        if not subscription.endswith("*"):
            found = self.rule(subscription)
            return None if found is None else found.read
        rules = [r for r in self.topics if topics.overlap(r.pattern, subscription)]
        return frozenset().union(*(r.read for r in rules)) if rules else None


@dataclass(frozen=True)
class Backend:
    file: Path
    key: str                    # "backend[0]": where it was declared, for error messages
    host: str                   # the virtual host's name
    name: str
    user: str
    group: str | None           # None: the user's primary group
    prefix: str | None          # exactly one of prefix and match is set
    match: str | None
    app: str                    # "package.module" or "package.module:attribute"
    workers: int                # the most worker processes (workers = "1..4": 4)
    max_requests: int           # 0: workers are never recycled
    timeout: float              # seconds a request may run before it is answered 504
    environment: dict[str, str] = field(default_factory=dict)
    addresses: tuple[str, ...] = ()  # host:port of remote instances; empty: run here
    # With addresses: where the front end connects from (addresses or networks); the remote
    # instances close any other connection. Empty: loopback only.
    allow_from: tuple[str, ...] = ()
    debug: bool = False
    middleware: tuple[str, ...] = ()  # dotted paths, outermost first, around the route module's own
    auth: str | None = None     # "required", "optional" (see docs/auth.md) or None: no authorizer
    roles: tuple[str, ...] = ()  # with auth = "required": roles every route needs
    pythonpath: tuple[Path, ...] = ()  # put in front of the farm's pythonpath in this backend
    # user = "root" only: the capabilities it keeps (capabilities.RUN_AS unless listed); any
    # other user keeps none.
    capabilities: tuple[str, ...] = ()
    database: DatabaseSettings | None = None  # see config/database.py and docs/data.md
    kind: str = "app"           # "app": the site's application; "events": the events server
    publish: tuple[str, ...] = ()  # topic patterns this backend's user may publish
    events: EventSettings | None = None  # with kind = "events"
    min_workers: int | None = None  # the fewest (workers = "1..4": 1); None: as many as workers
    start: str = "always"       # or "on-demand": started at the first connection, stopped when idle
    idle_timeout: float = 300.0  # on demand: seconds without a request before it is stopped
    max_rss: int = 0            # bytes a worker may be resident before it is replaced; 0: no limit
    # Topics whose subscribers start this backend (on demand) and keep it running; its periodic
    # tasks bound to one of them run only while it has subscribers (docs/events.md).
    wake_topics: tuple[str, ...] = ()

    @property
    def fewest_workers(self) -> int:
        return self.workers if self.min_workers is None else self.min_workers

    @property
    def on_demand(self) -> bool:
        return self.start == "on-demand"

    @property
    def ident(self) -> str:
        """Unique across the farm; names the socket, the log and the state directory."""
        return f"{self.host}.{self.name}"

    @property
    def remote(self) -> bool:
        return bool(self.addresses)


@dataclass(frozen=True)
class AuthSettings:
    """The [auth] table of a virtual host: who authenticates, and the session rules."""
    backend: str                # the backend (in the same file) holding users and sessions
    idle_timeout: float         # seconds without a request after which a session ends
    max_age: float              # seconds after login after which a session ends regardless
    max_failures: int           # failed logins for a name from one address within failure_window
                                # (that address waits), and from anywhere (the name backs off)
    max_failures_per_address: int   # failed logins from one address, any names: it waits
    failure_window: float       # seconds
    backoff_max: float = 60.0   # seconds: the longest a name's back-off grows (auth/throttle.py)
    password_cost: int = PASSWORD_COST_DEFAULT  # log2 of scrypt's N for new (and rehashed) hashes


@dataclass(frozen=True)
class TlsFiles:
    """A certificate the operator gave a virtual host (PEM files); without one the farm makes a
    self-signed certificate for it (pycopia_www/farm/certificates.py)."""
    cert: Path
    key: Path


@dataclass(frozen=True)
class VirtualHost:
    file: Path
    name: str                   # the file's stem
    hosts: tuple[str, ...]      # the first is canonical
    default: bool
    static: dict[str, Path]     # URL prefix ("/media/") -> directory; STATIC_URL included
    backends: tuple[Backend, ...]
    auth: AuthSettings | None = None
    tls: TlsFiles | None = None
    redirect_to_https: bool | None = None   # None: the farm's redirect_to_https
    # default = "any": also answer host names nobody configured (otherwise they get 421)
    any_host: bool = False

    @property
    def auth_backend(self) -> Backend | None:
        return next((b for b in self.backends if self.auth and b.name == self.auth.backend), None)

    @property
    def events_backend(self) -> Backend | None:
        return next((b for b in self.backends if b.kind == "events"), None)

    def routing_order(self) -> list[Backend]:
        """Which backend gets a path: regex backends as declared, then prefixes longest first.
        lighttpd's generated conditionals and get_url's URL map both follow this one order."""
        regex = [b for b in self.backends if b.match is not None]
        prefix = sorted((b for b in self.backends if b.prefix is not None), key=lambda b: -len(b.prefix))
        return regex + prefix


def _check_name(value: str) -> str | None:
    return None if _NAME.match(value) else (
        f"{value!r} must be lower case letters, digits, '-' or '_', starting with a letter")


def _check_hostname(value: str) -> str | None:
    return None if _HOSTNAME.match(value) else f"{value!r} is not a valid lower-case host name"


def _check_account(value: str) -> str | None:
    return None if _ACCOUNT.match(value) else f"{value!r} is not a valid user or group name"


def _check_role(value: str) -> str | None:
    return None if _ROLE.match(value) else (
        f"{value!r} is not a role name (lower case letters, digits, '-' or '_', starting with a letter)")


def _check_capability(value: str) -> str | None:
    return None if caps.canonical(value) else (
        f"{value!r} is not a Linux capability (capabilities(7), e.g. CAP_NET_BIND_SERVICE)")


def _check_dotted(value: str) -> str | None:
    return None if _DOTTED.match(value) else f"{value!r} is not a dotted module path (pkg.module[:attr])"


def _check_prefix(value: str) -> str | None:
    if value == "/":
        return None
    if not value.startswith("/") or value.endswith("/"):
        # lighttpd moves part of the path into SCRIPT_NAME for a prefix with a trailing slash.
        return f"{value!r} must start with '/' and not end with '/'"
    if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", value) or _dot_segment(value):
        return f"{value!r} may contain only path segments of letters, digits and ._~-"
    return None


def _dot_segment(path: str) -> bool:
    return any(part in (".", "..") for part in path.split("/"))


def _check_regex(value: str) -> str | None:
    if not value.startswith("^/"):
        return f"{value!r} must be anchored: start with '^/'"
    if '"' in value:
        return "must not contain '\"'"
    try:
        re.compile(value)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    return None


def _check_network(value: str) -> str | None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return f"{value!r} is not an IP address or network (10.0.0.1, 10.0.0.0/24, fd00::/8)"
    return None


def _check_address(value: str) -> str | None:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        return f"{value!r} is not host:port"
    return None


def _check_static_prefix(value: str) -> str | None:
    if not (value.startswith("/") and value.endswith("/") and len(value) > 1):
        return f"static URL prefix {value!r} must start and end with '/'"
    if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+/", value) or _dot_segment(value):
        return f"static URL prefix {value!r} may contain only path segments of letters, digits and ._~-"
    if value == STATIC_URL:
        return f"{STATIC_URL} is the framework's own (proxy.js, the stylesheet): choose another prefix"
    return None


def load_virtual_host(file: Path, root: Path, text: str) -> VirtualHost:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "", f"not valid TOML: {exc}") from None
    name = file.stem
    if problem := _check_name(name):
        raise ConfigError(file, "", f"file name: {problem}")
    f = Fields(data, file)
    hosts = f.strings("hosts", (), check=_check_hostname)
    default, any_host = _default(f)
    if not hosts and not default:
        raise f.error("hosts", "missing: list the host names, or set default = true")
    static = {}
    for url, directory in f.get("static", dict, {}).items():
        key = f"static.{url!r}"
        if problem := _check_static_prefix(url):
            raise ConfigError(file, key, problem)
        if not isinstance(directory, str) or not directory:
            raise ConfigError(file, key, "must be a directory name (a string)")
        path = (root / directory).resolve()
        if not path.is_dir():
            raise ConfigError(file, key, f"{path} is not a directory")
        static[url] = path
    static[STATIC_URL] = STATIC_DIR
    raw_backends = f.get("backend", list, [])
    backends = tuple(_load_backend(f.sub(f"backend[{i}]", raw), name, f"backend[{i}]", root)
                     for i, raw in enumerate(raw_backends))
    auth = _load_auth(f.sub("auth", f.get("auth", dict))) if f.has("auth") else None
    tls = _load_tls(f.sub("tls", f.get("tls", dict)), root) if f.has("tls") else None
    redirect = f.get("redirect_to_https", bool, None)
    f.done()
    if not backends:
        raise f.error("backend", "no [[backend]] declared")
    _check_unique(file, backends)
    _check_auth(file, auth, backends)
    _check_events(file, backends)
    return VirtualHost(file, name, hosts, default, static, backends, auth, tls, redirect,
                       any_host)


def _load_tls(f: Fields, root: Path) -> TlsFiles:
    # Existence is checked where the files are read (as root, at start): a backend's user, who
    # loads the same configuration, may not even see a private key's directory.
    def pem(name: str) -> Path:
        return root / f.get(name, str, check=lambda v: None if v else "must be a file name")
    tls = TlsFiles(cert=pem("cert"), key=pem("key"))
    f.done()
    return tls


def _default(f: Fields) -> tuple[bool, bool]:
    """default = true (the host for the farm's own addresses) or "any" (also for every host name
    not configured anywhere, e.g. a captive portal); (default, any_host)."""
    value = f.get("default", object, False)
    if value == "any":
        return True, True
    if isinstance(value, bool):
        return value, False
    raise f.error("default", f'must be true, false or "any", not {value!r}')


def _load_auth(f: Fields) -> AuthSettings:
    def positive(v):
        return None if v > 0 else "must be greater than 0"
    auth = AuthSettings(
        backend=f.get("backend", str, check=_check_name),
        idle_timeout=f.get("idle_timeout", float, 1800.0, check=positive),
        max_age=f.get("max_age", float, 12 * 3600.0, check=positive),
        max_failures=f.get("max_failures", int, 5, check=positive),
        max_failures_per_address=f.get("max_failures_per_address", int, 20, check=positive),
        failure_window=f.get("failure_window", float, 300.0, check=positive),
        backoff_max=f.get("backoff_max", float, 60.0, check=positive),
        password_cost=f.get("password_cost", int, PASSWORD_COST_DEFAULT, check=lambda v: None
                            if v in PASSWORD_COSTS else f"must be {PASSWORD_COSTS.start} to "
                            f"{PASSWORD_COSTS.stop - 1} (scrypt N = 2^value)"),
    )
    if auth.idle_timeout > auth.max_age:
        raise f.error("idle_timeout", f"must not be longer than max_age ({auth.max_age:g})")
    f.done()
    return auth


def _check_auth(file: Path, auth: AuthSettings | None, backends: tuple[Backend, ...]) -> None:
    protected = [b for b in backends if b.auth is not None]
    if auth is None:
        if protected:
            b = protected[0]
            raise ConfigError(file, f"{b.key}.auth", "no [auth] table in this file names the "
                                                     "backend that holds users and sessions")
        return
    by_name = {b.name: b for b in backends}
    holder = by_name.get(auth.backend)
    if holder is None:
        raise ConfigError(file, "auth.backend", f"no backend named {auth.backend!r} in this file "
                                                f"(there are: {', '.join(by_name)})")
    if holder.auth is not None:
        # lighttpd would ask the authorizer about its own login page: nobody could log in.
        raise ConfigError(file, f"{holder.key}.auth", "the auth backend itself cannot be protected")


def _load_backend(f: Fields, host: str, key: str, root: Path) -> Backend:
    prefix = f.get("prefix", str, None, check=_check_prefix)
    match = f.get("match", str, None, check=_check_regex)
    if (prefix is None) == (match is None):
        raise f.error("prefix", "set exactly one of prefix and match")
    kind = f.get("kind", str, "app", check=lambda v: None if v in BACKEND_KINDS else
                 f"{v!r} must be one of {', '.join(map(repr, BACKEND_KINDS))}")
    events = kind == "events"
    for name in (_NOT_FOR_EVENTS if events else _EVENTS_ONLY):
        if f.has(name):
            raise f.error(name, 'does not apply to an events backend (it runs the framework\'s '
                                'events server)' if events else 'applies only to kind = "events"')
    workers = (1, 1) if events else _workers(f)
    start = f.get("start", str, "always", check=lambda v: None if v in START_MODES else
                  f"{v!r} must be one of {', '.join(map(repr, START_MODES))}")
    backend = Backend(
        file=f.file, key=key, host=host,
        name=f.get("name", str, check=_check_name),
        user=f.get("user", str, check=_check_account),
        group=f.get("group", str, None, check=_check_account),
        prefix=prefix, match=match,
        app=EVENTS_SERVER if events else f.get("app", str, check=_check_dotted),
        workers=workers[1],
        min_workers=workers[0] if workers[0] != workers[1] else None,
        max_requests=f.get("max_requests", int, 0, check=lambda v: None if v >= 0 else "must be >= 0"),
        timeout=f.get("timeout", float, 30.0, check=lambda v: None if v > 0 else "must be > 0"),
        environment=_environment(f),
        addresses=f.strings("addresses", (), check=_check_address),
        allow_from=f.strings("allow_from", (), check=_check_network),
        debug=f.get("debug", bool, False),
        middleware=f.strings("middleware", (), check=_check_dotted),
        auth=f.get("auth", str, None, check=lambda v: None if v in AUTH_MODES else
                   f"{v!r} must be one of {', '.join(map(repr, AUTH_MODES))}"),
        roles=f.strings("roles", (), check=_check_role),
        pythonpath=tuple((root / p).resolve() for p in f.strings(
            "pythonpath", (), check=lambda v: None if v else "must not be empty")),
        database=load_database(f, root),
        kind=kind,
        publish=f.strings("publish", (), check=topics.check_declared),
        events=_load_events(f) if events else None,
        start=start,
        idle_timeout=f.get("idle_timeout", float, 300.0,
                           check=lambda v: None if v >= 1 else "must be at least 1 (seconds)"),
        max_rss=_size(f, "max_rss"),
        wake_topics=f.strings("wake_topics", (), check=topics.check_declared),
    )
    if backend.roles and backend.auth != "required":
        raise f.error("roles", 'roles need auth = "required"')
    if f.has("idle_timeout") and not backend.on_demand:
        raise f.error("idle_timeout", 'idle_timeout needs start = "on-demand"')
    if backend.remote:
        for key in ("start", "idle_timeout", "max_rss"):
            if f.has(key):
                raise f.error(key, "a remote backend (addresses) is not started here: "
                                   "set it where it runs (websitectl serve)")
    if events and backend.auth == "required":
        raise f.error("auth", 'an events backend takes auth = "optional": who may listen is said '
                              'per topic (topics = { "name" = ["role", ...] })')
    for i, wake in enumerate(backend.wake_topics):
        if not any(_within(p, wake) for p in backend.publish):
            raise f.error(f"wake_topics[{i}]", f"{wake!r} is not among what this backend may "
                                               f"publish (publish = {list(backend.publish)})")
    if backend.publish and backend.remote:
        raise f.error("publish", "a remote backend cannot publish: the publish socket is local")
    if backend.allow_from and not backend.remote:
        raise f.error("allow_from", "allow_from is for remote backends (with addresses): a local "
                                    "backend's socket admits the front end alone")
    if f.has("capabilities") and backend.user != "root":
        raise f.error("capabilities", 'capabilities need user = "root": a backend running as '
                                      'another user holds none')
    listed = f.strings("capabilities", caps.RUN_AS if backend.user == "root" else (),
                       check=_check_capability)
    backend = dataclasses.replace(backend, capabilities=tuple(dict.fromkeys(
        caps.canonical(name) for name in listed)))
    f.done()
    return backend


def _workers(f: Fields) -> tuple[int, int]:
    """workers = N, or "MIN..MAX" for a pool that grows under load and shrinks when idle."""
    value = f.get("workers", object, 2)
    if isinstance(value, int) and not isinstance(value, bool):
        fewest = most = value
    elif isinstance(value, str) and (m := _WORKER_RANGE.match(value)):
        fewest, most = int(m.group(1)), int(m.group(2))
        if fewest > most:
            raise f.error("workers", f"{value!r}: the fewest must not be more than the most")
    else:
        raise f.error("workers", f'must be an integer or a range "MIN..MAX" such as "1..4", '
                                 f'not {value!r}')
    if not 1 <= fewest <= most <= MAX_WORKERS:
        raise f.error("workers", f"{value!r}: workers must be 1-{MAX_WORKERS}")
    return fewest, most


def _size(f: Fields, name: str) -> int:
    """A size such as "64M" (K, M or G: binary units), in bytes; absent: 0."""
    value = f.get(name, str, None)
    if value is None:
        return 0
    m = _SIZE.match(value)
    if not m:
        raise f.error(name, f'{value!r} is not a size: a whole number and K, M or G, such as "64M"')
    return int(m.group(1)) * _SIZE_UNITS[m.group(2)]


# Keys of an ordinary backend that an events backend has no use for, and the other way round.
_NOT_FOR_EVENTS = ("app", "workers", "max_requests", "timeout", "middleware", "addresses",
                   "roles", "publish", "max_rss", "wake_topics")
_EVENTS_ONLY = ("topics", "replay", "max_event", "max_streams", "max_streams_per_client",
                "max_streams_per_session", "stream_buffer", "heartbeat", "max_stream_age")


def _within(pattern: str, wanted: str) -> bool:
    """Does `pattern` cover every topic `wanted` (a name or a pattern) may be?"""
    if not wanted.endswith("*"):
        return topics.covers(pattern, wanted)
    return pattern == "*" or (pattern.endswith(".*") and wanted.startswith(pattern[:-1]))


def _load_events(f: Fields) -> EventSettings:
    def at_least(low):
        return lambda v: None if v >= low else f"must be at least {low:g}"
    declared = f.get("topics", dict)
    if not declared:
        raise f.error("topics", 'declare at least one topic: topics = { "name" = [] }')
    rules = []
    for pattern, read in declared.items():
        key = f"topics.{pattern!r}"
        if problem := topics.check_declared(pattern):
            raise f.error(key, problem)
        if not isinstance(read, list) or not all(isinstance(r, str) for r in read):
            raise f.error(key, "must be a list of the roles that may read it ([] for anyone)")
        for role in read:
            if problem := _check_role(role):
                raise f.error(key, problem)
        rules.append(TopicRule(pattern, frozenset(read)))
    rules.sort(key=lambda r: topics.specificity(r.pattern))
    return EventSettings(
        topics=tuple(rules),
        replay=f.get("replay", int, 32, check=lambda v: None if 0 <= v <= 10000 else "must be 0-10000"),
        max_event=f.get("max_event", int, 16384, check=lambda v: None if 256 <= v <= 60000 else
                        "must be 256-60000 (bytes)"),
        max_streams=f.get("max_streams", int, 4096, check=at_least(1)),
        max_streams_per_client=f.get("max_streams_per_client", int, 32, check=at_least(1)),
        max_streams_per_session=f.get("max_streams_per_session", int, 8, check=at_least(1)),
        stream_buffer=f.get("stream_buffer", int, 256 << 10, check=at_least(4096)),
        heartbeat=f.get("heartbeat", float, 15.0, check=at_least(0.1)),
        max_stream_age=f.get("max_stream_age", float, 600.0, check=at_least(1)),
    )


def _check_events(file: Path, backends: tuple[Backend, ...]) -> None:
    servers = [b for b in backends if b.kind == "events"]
    if len(servers) > 1:
        raise ConfigError(file, f"{servers[1].key}.kind",
                          f"a virtual host has one events backend (also {servers[0].key})")
    events = servers[0] if servers else None
    if events is not None and events.auth is None and any(r.read for r in events.events.topics):
        raise ConfigError(file, f"{events.key}.topics", 'topics with roles need auth = "optional" '
                                                        'on this backend (and an [auth] table)')
    for b in backends:
        for i, pattern in enumerate(b.publish):
            if events is None:
                raise ConfigError(file, f"{b.key}.publish", 'no backend with kind = "events" in '
                                                            'this file receives what is published')
            if not any(topics.overlap(pattern, r.pattern) for r in events.events.topics):
                declared = ", ".join(r.pattern for r in events.events.topics)
                raise ConfigError(file, f"{b.key}.publish[{i}]",
                                  f"{pattern!r} matches no topic of backend {events.name} "
                                  f"(its topics: {declared})")
def _environment(f: Fields) -> dict[str, str]:
    env = f.string_table("environment")
    for name in env:
        if name.startswith("PYTHON"):
            # The backend's interpreter starts as root: nothing configurable may steer it. The
            # environment is applied after the privilege drop, where PYTHON* would do nothing.
            raise f.error(f"environment.{name}", "PYTHON* variables cannot be set for a backend; "
                                                 "use pythonpath = [...] for import paths")
    return env


def _check_unique(file: Path, backends: tuple[Backend, ...]) -> None:
    names: dict[str, str] = {}
    routes: dict[str, str] = {}
    for b in backends:
        if b.name in names:
            raise ConfigError(file, f"{b.key}.name", f"duplicate backend name {b.name!r} (also {names[b.name]})")
        names[b.name] = b.key
        route = b.prefix if b.prefix is not None else b.match
        if route in routes:
            which = "prefix" if b.prefix is not None else "match"
            raise ConfigError(file, f"{b.key}.{which}", f"duplicate {which} {route!r} (also {routes[route]})")
        routes[route] = b.key
