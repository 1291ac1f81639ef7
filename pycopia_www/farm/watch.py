"""The development loop's eyes (`websitectl start --foreground --reload`): which of the site's
source files each backend runs, and which of them changed.

A backend's files are found by reading, never by importing (the supervisor runs no application
code): its route module, every module of that module's package, the modules its route table
names by dotted path (handlers, error pages), and, transitively, the site's modules these import
(`import` and `from ... import` anywhere in a file, relative ones included). Only files below the
site's import paths (farm.toml and the backend's `pythonpath`) count: the framework and the
standard library are not the site's. Every backend also imports the other backends' route
modules of the site (the URL map: get_url, the menu), so those files count too — but not what
they import, which is theirs.

Changes are found by polling: the (mtime, size, inode) of the bounded set of files is compared
every INTERVAL seconds (docs/decisions.md has the measurement behind that choice). A change is
acted on once the files have stayed the same for one more poll, so an editor's save that takes
two writes starts one restart, not two. The configuration's own files (farm.toml and
etc/backends.d) are watched as well: a change there means a full `reload`.
"""
import ast
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Backend, Site

log = logging.getLogger("pycopia_www.watch")

INTERVAL = 0.5                  # seconds between polls
MAX_FILES = 2000                # a backend's set; more means the import paths hold too much
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+[.:]?[\w.]*$")


def _module_file(name: str, roots: list[Path]) -> Path | None:
    """The file of module `name` below one of `roots` (a module or a package's __init__)."""
    parts = name.split(".")
    for root in roots:
        base = root.joinpath(*parts)
        for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _with_parents(name: str, roots: list[Path]) -> list[tuple[str, Path]]:
    """(module, file) for `name` and each package above it that is a file below `roots`:
    importing a.b.c runs a/__init__.py and a/b/__init__.py first."""
    parts = name.split(".")
    found = []
    for n in range(1, len(parts) + 1):
        module = ".".join(parts[:n])
        path = _module_file(module, roots)
        if path is not None:
            found.append((module, path))
    return found


def _target_modules(text: str) -> list[str]:
    """The module names a dotted string may name: "pkg.views.home" -> pkg.views.home, pkg.views,
    ...; "pkg.views." (a prefix a route table adds names to) and "pkg.mod:attr" too."""
    text = text.split(":", 1)[0].rstrip(".")
    parts = text.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def _imports(tree, module: str, is_package: bool) -> set[str]:
    """The modules a file's import statements name (absolute names; relative ones resolved)."""
    names = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".") if package else []
                anchor = anchor[:len(anchor) - (node.level - 1)] if node.level > 1 else anchor
                base = ".".join([*anchor, *([base] if base else [])])
            if base:
                names.add(base)
            names.update(f"{base}.{alias.name}" if base else alias.name
                         for alias in node.names if alias.name != "*")
    return names


def _parse(path: Path):
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None         # being edited, say: its imports are read again once it parses


def backend_files(site: Site, backend: Backend) -> set[Path]:
    """The site's source files `backend` runs (see the module docstring); empty for a backend
    whose application is not the site's (the framework's auth and events servers) apart from
    the other route modules."""
    roots = [Path(p) for p in site.import_paths(backend)]
    own = backend.app.partition(":")[0]
    found: dict[str, Path] = {}
    queue: list[str] = [own]
    route_file = _module_file(own, roots)
    if route_file is not None and route_file.name != "__init__.py":
        package = own.rpartition(".")[0]
        queue += [f"{package}.{p.stem}" if package else p.stem
                  for p in sorted(route_file.parent.glob("*.py")) if not p.name.startswith(".")]
    while queue and len(found) < MAX_FILES:
        name = queue.pop()
        for module, path in _with_parents(name, roots):
            if module in found:
                continue
            found[module] = path
            tree = _parse(path)
            if tree is None:
                continue
            queue += _imports(tree, module, path.name == "__init__.py")
            if module == own:           # the route table names its handlers by dotted path
                queue += [m for node in ast.walk(tree)
                          if isinstance(node, ast.Constant) and isinstance(node.value, str)
                          and _DOTTED.match(node.value) for m in _target_modules(node.value)]
    files = set(found.values())
    for other in site.backends:         # every backend's URL map holds the whole site's routes
        if other is not backend and ":" not in other.app:
            path = _module_file(other.app, roots)
            if path is not None:
                files.add(path)
    return files


def config_files(site: Site) -> set[Path]:
    """farm.toml and the virtual host files, and the directory a new one would appear in."""
    texts = site.snapshot.texts if site.snapshot is not None else {}
    return {Path(p) for p in texts} | {site.farm.backends_dir}


def package_dirs(site: Site, backend: Backend) -> set[Path]:
    """The directory of the backend's route module, where a new module of its package appears."""
    path = _module_file(backend.app.partition(":")[0], [Path(p) for p in site.import_paths(backend)])
    return {path.parent} if path is not None else set()


def _stamp(path: Path):
    """What changes when the file changes; for a directory, which modules and configuration
    files it holds (an editor's swap and backup files come and go without a restart)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if os.path.isdir(path):
        try:
            return tuple(sorted(e.name for e in os.scandir(path) if e.name.endswith((".py", ".toml"))
                                and not e.name.startswith(".")))
        except OSError:
            return None
    return st.st_mtime_ns, st.st_size, st.st_ino


@dataclass
class Changes:
    config: bool = False                        # the configuration: a full reload
    backends: set[str] = field(default_factory=set)     # idents whose files changed
    paths: set[Path] = field(default_factory=set)       # the files that changed

    def names(self) -> str:
        """The changed files as a log line names them (relative to the working directory)."""
        cwd = Path.cwd()
        return ", ".join(sorted(str(p.relative_to(cwd)) if p.is_relative_to(cwd) else str(p)
                                for p in self.paths)) or "its files"


class Watcher:
    """What the supervisor's loop polls: `wait(now)` is how long it may sleep, `poll(now)` the
    Changes once they have settled (or None)."""

    def __init__(self, site: Site, interval: float = INTERVAL):
        self.interval = interval
        self.next_poll = 0.0
        self._unsettled: Changes | None = None
        self.deferred: set[str] = set()         # restarts to do once the one under way is done
        self.watch(site)

    def watch(self, site: Site) -> None:
        """(Re)read which files belong to whom: at start, and after a reload."""
        self.site = site
        self.files = {b.ident: self._files(b) for b in site.local_backends if b.kind != "events"}
        self.config = config_files(site)
        self.stamps = {p: _stamp(p) for p in set().union(self.config, *self.files.values())}
        for ident, files in self.files.items():
            log.info("%s: watching %d file(s) for changes", ident, len(files))

    def _files(self, backend: Backend) -> set[Path]:
        return backend_files(self.site, backend) | package_dirs(self.site, backend)

    def restarted(self, ident: str) -> None:
        """Read `ident`'s files again: after an edit, its imports may be other ones."""
        backend = next((b for b in self.site.local_backends if b.ident == ident), None)
        if backend is not None and ident in self.files:
            self.files[ident] = self._files(backend)
            for path in self.files[ident]:
                self.stamps.setdefault(path, _stamp(path))

    def defer(self, ident: str) -> None:
        """Restart `ident` at the next poll instead (its last restart is not done yet)."""
        self.deferred.add(ident)

    def wait(self, now: float) -> float:
        return max(0.0, self.next_poll - now)

    def poll(self, now: float | None = None) -> Changes | None:
        now = time.monotonic() if now is None else now
        if now < self.next_poll:
            return None
        self.next_poll = now + self.interval
        changed = {p for p, stamp in self.stamps.items() if _stamp(p) != stamp}
        if changed:                             # not settled yet: look again next time
            for path in changed:
                self.stamps[path] = _stamp(path)
            found = self._unsettled or Changes()
            found.config |= bool(changed & self.config)
            found.backends |= {ident for ident, files in self.files.items() if changed & files}
            found.paths |= changed
            self._unsettled = found
            return None
        found, self._unsettled = self._unsettled or Changes(), None
        found.backends |= self.deferred
        self.deferred = set()
        return found if found.config or found.backends else None
