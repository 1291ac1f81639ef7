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
from ..privileges import Credentials, spawn_as

log = logging.getLogger("pycopia_www.setup")


def user_exists(name: str) -> bool:
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


def create_accounts(site: Site, backends=None) -> list[str]:
    """Create the missing users and groups of `backends` (default: the local ones) as system
    accounts; returns what was made."""
    made = []
    for b in site.local_backends if backends is None else backends:
        if b.group and not _group_exists(b.group):
            subprocess.run(["groupadd", "--system", b.group], check=True)
            made.append(f"group {b.group}")
        if not user_exists(b.user):
            nologin = shutil.which("nologin") or "/usr/sbin/nologin"
            subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                            "--home-dir", "/nonexistent", "--shell", nologin, b.user], check=True)
            made.append(f"user {b.user}")
    return made


def check_accounts(site: Site) -> None:
    farm = site.farm
    if not user_exists(farm.frontend_user):
        raise ConfigError(farm.file, "frontend_user", f"user {farm.frontend_user!r} does not exist")
    if farm.frontend_group and not _group_exists(farm.frontend_group):
        raise ConfigError(farm.file, "frontend_group", f"group {farm.frontend_group!r} does not exist")
    for b in site.local_backends:
        if not user_exists(b.user):
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
        # Logs hold user names, addresses and tracebacks: nobody else's to read. The front end
        # may traverse to its own directory of logs.
        ("log_dir", farm.log_dir, (root[0], front[1]), 0o750),
        # lighttpd opens its logs after dropping privileges, so its own directory is its.
        ("log_dir", paths.lighttpd_log_dir(farm), front, 0o750),
        ("state_dir", farm.state_dir, root, 0o755),
    ]
    if any(v.events_backend is not None for v in site.vhosts):
        # The events backends' publish sockets: the supervisor's, reachable by every local user.
        plan.append(("run_dir", paths.publish_dir(farm), root, 0o755))
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
                  stdin: str = "", timeout: float = 60,
                  user: str | None = None) -> subprocess.CompletedProcess:
    """`python -m module args...` as the backend's user (when we are root; `user` instead, if
    given), with a clean environment, output captured: so that root never runs a backend's code
    or opens its files."""
    creds = None
    if os.geteuid() == 0:
        creds = Credentials.lookup(user) if user else Credentials.lookup(b.user, b.group)
    argv = [python, "-m", module, *args]
    try:
        proc = spawn_as(creds, argv, cwd=cwd,
                        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **(env or {})},
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True)
    except OSError as exc:          # the user cannot execute the interpreter, ...
        return subprocess.CompletedProcess(argv, 126, "", f"{python}: {exc.strerror}")
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += f"\n(killed after {timeout:.0f}s)"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# The web layer's loader, run as a backend's user (the farm knows it only by name).
LOADER = "pycopia_www.web.loader"


def run_loader_as(site: Site, b: Backend, python: str, args, *, user: str | None = None) -> dict:
    """`python -m pycopia_www.web.loader args...` as `b`'s user, given the site's snapshot: so
    that application code is imported by a backend's user with that backend's groups, never by
    root. Returns its JSON answer; a user who cannot run the interpreter is a ConfigError."""
    request = json.dumps({"snapshot": site.snapshot.to_json(), "backend": b.ident})
    proc = run_module_as(b, python, LOADER, args, cwd="/", env=b.environment, stdin=request,
                         user=user)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ConfigError(b.file, f"{b.key}.user",
                          f"user {b.user!r} cannot run the backend's Python ({python}): {last}") from None


def check_backend_app(site: Site, b: Backend, python: str) -> list[ConfigError]:
    """Load the backend's application as its user (web/loader.py). Raises the first error;
    returns warnings (named routes that can never be reversed)."""
    report = run_loader_as(site, b, python, ["check", b.ident])
    if report["errors"]:
        raise ConfigError(**report["errors"][0])
    return [ConfigError(**w) for w in report["warnings"]]
