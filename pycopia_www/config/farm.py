"""Farm-wide settings: etc/farm.toml."""
import ipaddress
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .fields import Fields


@dataclass(frozen=True)
class Supervision:
    backoff_initial: float      # seconds before the first restart of something that died
    backoff_max: float          # the delay doubles per quick failure up to this
    give_up_after: int          # this many quick failures in a row: state "failed", reported
    stable_after: float         # seconds of uptime after which a process counts as healthy again


@dataclass(frozen=True)
class LogSettings:
    max_size: int               # bytes a log file may reach before it is rotated
    keep: int                   # rotated files kept beside it (name.1 ... name.keep)


@dataclass(frozen=True)
class FarmSettings:
    file: Path
    root: Path
    listen: str
    port: int
    frontend_user: str
    frontend_group: str | None  # None: the front-end user's primary group
    run_dir: Path
    log_dir: Path
    state_dir: Path
    lighttpd_conf: Path
    backends_dir: Path
    supervision: Supervision
    tls_port: int = 8443        # HTTPS beside plain HTTP; 0: no HTTPS
    redirect_to_https: bool = False     # plain HTTP answers with a redirect (a host may differ)
    logs: LogSettings = LogSettings(max_size=4 << 20, keep=2)
    # Directories put in front of sys.path in every backend (after its privilege drop), so the
    # site's own packages import: by default the site root, the parent of etc/.
    pythonpath: tuple[Path, ...] = ()


# The base lighttpd configuration the framework ships; a site may name its own.
DEFAULT_LIGHTTPD_CONF = Path(__file__).resolve().parent.parent / "farm" / "lighttpd.conf"


def _address(value: str) -> str | None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return f"{value!r} is not an IP address"
    return None


def _port(value: int) -> str | None:
    return None if 0 < value < 65536 else f"{value} is not a TCP port (1-65535)"


def _tls_port(value: int) -> str | None:
    return None if 0 <= value < 65536 else f"{value} is not a TCP port (1-65535, or 0: no HTTPS)"


def _not_empty(value: str) -> str | None:
    return None if value else "must not be empty"


def _positive(value) -> str | None:
    return None if value > 0 else "must be greater than 0"


def read_text(file: Path) -> str:
    """A configuration file's text; a missing or undecodable file is a ConfigError."""
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(file, "", "file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(file, "", f"not valid TOML: {exc}") from None


def load_farm(file: Path, text: str | None = None) -> FarmSettings:
    """Relative paths in the file are relative to the site root: `root` if set (an installed
    farm's configuration lives apart from its site), else the parent of etc/.
    `text`: the file's contents as read earlier (see config.Snapshot), instead of reading it."""
    try:
        data = tomllib.loads(read_text(file) if text is None else text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "", f"not valid TOML: {exc}") from None
    f = Fields(data, file)
    root = (file.resolve().parent.parent / f.get("root", str, ".", check=_not_empty)).resolve()

    def path(name: str, default: str | Path) -> Path:
        value = f.get(name, str, str(default), check=_not_empty)
        return (root / value).resolve()

    settings = FarmSettings(
        file=file, root=root,
        listen=f.get("listen", str, "127.0.0.1", check=_address),
        port=f.get("port", int, 8080, check=_port),
        tls_port=f.get("tls_port", int, 8443, check=_tls_port),
        redirect_to_https=f.get("redirect_to_https", bool, False),
        frontend_user=f.get("frontend_user", str, "pwww-front"),
        frontend_group=f.get("frontend_group", str, None),
        run_dir=path("run_dir", "var/run"),
        log_dir=path("log_dir", "var/log"),
        state_dir=path("state_dir", "var/state"),
        lighttpd_conf=path("lighttpd_conf", DEFAULT_LIGHTTPD_CONF),
        # Beside farm.toml by default, also when `root` puts the site elsewhere.
        backends_dir=path("backends_dir", file.resolve().parent / "backends.d"),
        supervision=_supervision(f.sub("supervision", f.get("supervision", dict, {}))),
        logs=_logs(f.sub("logs", f.get("logs", dict, {}))),
        pythonpath=tuple((root / p).resolve() for p in f.strings("pythonpath", (".",),
                                                                check=_not_empty)),
    )
    f.done()
    if settings.tls_port == settings.port:
        raise ConfigError(file, "tls_port", f"must differ from port ({settings.port})")
    if not settings.lighttpd_conf.is_file():
        raise ConfigError(file, "lighttpd_conf", f"{settings.lighttpd_conf} does not exist")
    if not settings.backends_dir.is_dir():
        raise ConfigError(file, "backends_dir", f"{settings.backends_dir} is not a directory")
    return settings


def _supervision(f: Fields) -> Supervision:
    s = Supervision(
        backoff_initial=f.get("backoff_initial", float, 0.1, check=_positive),
        backoff_max=f.get("backoff_max", float, 30.0, check=_positive),
        give_up_after=f.get("give_up_after", int, 8, check=_positive),
        stable_after=f.get("stable_after", float, 10.0, check=_positive),
    )
    f.done()
    return s


def _logs(f: Fields) -> LogSettings:
    s = LogSettings(
        max_size=f.get("max_size", int, 4 << 20, check=lambda v: None if v >= 4096 else
                       "must be at least 4096 (bytes)"),
        keep=f.get("keep", int, 2, check=lambda v: None if 1 <= v <= 99 else "must be 1-99"),
    )
    f.done()
    return s
