"""System users, groups and directories the configuration needs (`websitectl setup`)."""
import grp
import json
import logging
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from ..config import Backend, ConfigError, Site
from . import paths
from .lighttpd import frontend_group
from ..privileges import Credentials

log = logging.getLogger("pycopia_www.setup")


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def create_accounts(site: Site) -> list[str]:
    """Create the missing backend users and groups as system accounts; returns what was made."""
    made = []
    for b in site.local_backends:
        if b.group and not _group_exists(b.group):
            subprocess.run(["groupadd", "--system", b.group], check=True)
            made.append(f"group {b.group}")
        if not _user_exists(b.user):
            nologin = shutil.which("nologin") or "/usr/sbin/nologin"
            subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                            "--home-dir", "/nonexistent", "--shell", nologin, b.user], check=True)
            made.append(f"user {b.user}")
    return made


def check_accounts(site: Site) -> None:
    farm = site.farm
    if not _user_exists(farm.frontend_user):
        raise ConfigError(farm.file, "frontend_user", f"user {farm.frontend_user!r} does not exist")
    if farm.frontend_group and not _group_exists(farm.frontend_group):
        raise ConfigError(farm.file, "frontend_group", f"group {farm.frontend_group!r} does not exist")
    for b in site.local_backends:
        if not _user_exists(b.user):
            raise ConfigError(b.file, f"{b.key}.user",
                              f"user {b.user!r} does not exist (`websitectl setup` creates it)")
        if b.group and not _group_exists(b.group):
            raise ConfigError(b.file, f"{b.key}.group",
                              f"group {b.group!r} does not exist (`websitectl setup` creates it)")


def _ids(user: str, group: str | None = None) -> tuple[int, int]:
    creds = Credentials.lookup(user, group)
    return creds.uid, creds.gid


def _prepare(farm_file, key: str, path: Path, owner: tuple[int, int], mode: int) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, *owner)
        os.chmod(path, mode)
    except OSError as exc:
        raise ConfigError(farm_file, key, f"cannot prepare {path}: {exc.strerror}") from None


def prepare_state_dir(site: Site, b: Backend, as_root: bool) -> None:
    """The backend's private working directory: its user's alone (the invoking user's if not root)."""
    owner = _ids(b.user, b.group) if as_root else (os.getuid(), os.getgid())
    _prepare(site.farm.file, "state_dir", paths.state_path(site.farm, b), owner, 0o700)


def prepare_directories(site: Site, as_root: bool) -> None:
    """Create (or repair) every directory with the owner and mode least privilege asks for.

    Not root: everything belongs to the invoking user, with the same modes.
    """
    farm = site.farm
    me = (os.getuid(), os.getgid())
    root = (0, 0) if as_root else me
    front = (_ids(farm.frontend_user)[0], grp.getgrnam(frontend_group(site)).gr_gid) if as_root else me
    plan: list[tuple[str, Path, tuple[int, int], int]] = [
        ("run_dir", farm.run_dir, root, 0o755),
        # The front end may traverse to the sockets; nobody but root may create or remove one.
        ("run_dir", paths.socket_dir(farm), (root[0], front[1]), 0o750),
        ("run_dir", paths.generated_dir(farm), root, 0o755),
        ("run_dir", paths.generated_dir(farm) / "empty", root, 0o755),
        ("log_dir", farm.log_dir, root, 0o755),
        # lighttpd opens its logs after dropping privileges, so its own directory is its.
        ("log_dir", paths.lighttpd_log_dir(farm), front, 0o750),
        ("state_dir", farm.state_dir, root, 0o755),
    ]
    for vhost in site.vhosts:
        if (events := vhost.events_backend) is not None:
            # The events backend binds its publish socket here itself (for now: the supervisor
            # is to hold it like the others); every local user may reach it (docs/events.md).
            events_owner = _ids(events.user, events.group) if as_root else me
            plan += [("run_dir", farm.run_dir / "events", root, 0o755),
                     ("run_dir", paths.publish_dir(farm, vhost.name), events_owner, 0o755)]
    for key, path, owner, mode in plan:
        _prepare(farm.file, key, path, owner, mode)
    for b in site.local_backends:
        prepare_state_dir(site, b, as_root)
    _check_socket_path_length(site)


def _check_socket_path_length(site: Site) -> None:
    sockets = [paths.socket_path(site.farm, b) for b in site.local_backends]
    sockets += [paths.publish_socket(site.farm, v.name) for v in site.vhosts if v.events_backend]
    for path in sockets:
        if len(os.fsencode(path)) > 107:
            raise ConfigError(site.farm.file, "run_dir",
                              f"socket path {path} is longer than a unix socket allows (107 bytes)")


def run_module_as(b: Backend, python: str, module: str, args, *, cwd, env=None,
                  stdin: str = "") -> subprocess.CompletedProcess:
    """`python -m module args...` as the backend's user (when we are root), with a clean
    environment, output captured: so that root never runs a backend's code or opens its files."""
    kwargs = {}
    if os.geteuid() == 0 and b.user != "root":
        uid, gid = _ids(b.user, b.group)
        kwargs = dict(user=uid, group=gid, extra_groups=[])
    return subprocess.run([python, "-m", module, *args], input=stdin, cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **(env or {})},
                          capture_output=True, text=True, timeout=60, **kwargs)


def check_backend_app(site: Site, b: Backend, python: str) -> list[ConfigError]:
    """Load the backend's application as its user (see appcheck.py). Raises the first error;
    returns warnings (named routes that can never be reversed)."""
    proc = run_module_as(b, python, "pycopia_www.farm.appcheck", [str(site.farm.file), b.ident],
                         cwd="/", env=b.environment)
    try:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ConfigError(b.file, f"{b.key}.user",
                          f"user {b.user!r} cannot run the backend's Python ({python}): {last}") from None
    if report["errors"]:
        raise ConfigError(**report["errors"][0])
    return [ConfigError(**w) for w in report["warnings"]]
