"""Loading and validating the farm's configuration: etc/farm.toml and etc/backends.d/*.toml.

Both the farm (supervisor, lighttpd generation) and the web layer read configuration through here.
Everything is validated at load time; every error is a ConfigError naming file, key and problem.
"""
from dataclasses import dataclass, field
from pathlib import Path

from .database import DatabaseSettings
from .errors import ConfigError
from .farm import FarmSettings, Supervision, load_farm, read_text
from .site import AuthSettings, Backend, EventSettings, TopicRule, VirtualHost, load_virtual_host

__all__ = ["AuthSettings", "ConfigError", "DatabaseSettings", "EventSettings", "FarmSettings",
           "Supervision", "Backend", "TopicRule", "VirtualHost", "Site", "Snapshot", "load_site"]


@dataclass(frozen=True)
class Snapshot:
    """The text of every configuration file of a site, as read once. The supervisor validates a
    snapshot and hands the same one to each backend it starts, so a backend restarted after an
    edit that was never reloaded still runs the configuration the farm checked."""
    farm_file: str
    texts: dict[str, str]           # path -> contents: the farm file and every virtual host file

    def to_json(self) -> dict:
        return {"farm_file": self.farm_file, "texts": self.texts}

    @classmethod
    def from_json(cls, data: dict) -> "Snapshot":
        return cls(data["farm_file"], dict(data["texts"]))


@dataclass(frozen=True)
class Site:
    farm: FarmSettings
    vhosts: tuple[VirtualHost, ...]   # the default host is last
    snapshot: Snapshot | None = field(default=None, compare=False, repr=False)

    @property
    def backends(self) -> tuple[Backend, ...]:
        return tuple(b for v in self.vhosts for b in v.backends)

    @property
    def local_backends(self) -> tuple[Backend, ...]:
        return tuple(b for b in self.backends if not b.remote)

    def import_paths(self, backend: Backend) -> list[str]:
        """What goes in front of sys.path in `backend`'s processes: the site's own packages."""
        return [str(p) for p in backend.pythonpath + self.farm.pythonpath]

    def backend(self, ident: str) -> Backend:
        for b in self.backends:
            if b.ident == ident:
                return b
        raise KeyError(ident)


def load_site(farm_file: Path, snapshot: Snapshot | None = None) -> Site:
    """Read and validate a site's configuration: from its files, or from a `snapshot` of them
    taken earlier (then no configuration file is read again)."""
    farm_file = Path(farm_file) if snapshot is None else Path(snapshot.farm_file)
    if snapshot is None:
        texts = {str(farm_file): read_text(farm_file)}
        farm = load_farm(farm_file, texts[str(farm_file)])
        files = sorted(farm.backends_dir.glob("*.toml"))
        texts.update((str(f), read_text(f)) for f in files)
        snapshot = Snapshot(str(farm_file), texts)
    else:
        farm = load_farm(farm_file, snapshot.texts[str(farm_file)])
        files = [Path(p) for p in snapshot.texts if p != str(farm_file)]
    if not files:
        raise ConfigError(farm.file, "backends_dir", f"no *.toml files in {farm.backends_dir}")
    vhosts = [load_virtual_host(f, farm.root, snapshot.texts[str(f)]) for f in files]
    seen: dict[str, Path] = {}
    for v in vhosts:
        for i, h in enumerate(v.hosts):
            if h in seen:
                raise ConfigError(v.file, f"hosts[{i}]", f"host {h!r} is also declared in {seen[h]}")
            seen[h] = v.file
    defaults = [v for v in vhosts if v.default]
    if len(defaults) > 1:
        raise ConfigError(defaults[1].file, "default", f"only one virtual host may be the default "
                                                       f"(also {defaults[0].file})")
    if not defaults:
        if len(vhosts) > 1:
            raise ConfigError(farm.backends_dir, "default",
                              "several virtual hosts and none has default = true")
        defaults = vhosts
    ordered = tuple(v for v in vhosts if v is not defaults[0]) + (defaults[0],)
    return Site(farm, ordered, snapshot)
