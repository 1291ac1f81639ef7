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
from .identity import ensure_keys
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


FRONTEND_USER = "pwww-front"        # the dedicated front-end user setup makes (config default)
SHARED_USERS = ("www-data", "nobody")   # users other programs run as too (security review H1)


def _system_account(user: str, group: str | None, made: list[str]) -> None:
    # Another websitectl (a second `serve` of the same backend, say) may make the same account
    # at the same moment: what counts is that it exists afterwards.
    if group and not _group_exists(group):
        _add_account(["groupadd", "--system", group], lambda: _group_exists(group))
        made.append(f"group {group}")
    if not user_exists(user):
        nologin = shutil.which("nologin") or "/usr/sbin/nologin"
        _add_account(["useradd", "--system", "--user-group", "--no-create-home",
                      "--home-dir", "/nonexistent", "--shell", nologin, user],
                     lambda: user_exists(user))
        made.append(f"user {user}")


def _add_account(argv: list[str], exists) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0 and not exists():
        raise subprocess.CalledProcessError(proc.returncode, argv, proc.stdout, proc.stderr)


def create_accounts(site: Site, backends=None) -> list[str]:
    """Create the missing users and groups of `backends` (default: the local ones, and the
    front-end user of the farm) as system accounts; returns what was made."""
    made: list[str] = []
    if backends is None:
        _system_account(site.farm.frontend_user, site.farm.frontend_group, made)
    for b in site.local_backends if backends is None else backends:
        _system_account(b.user, b.group, made)
    return made


def check_accounts(site: Site) -> None:
    """Every account exists, and no backend shares the front end's identity: the front-end
    user's group may connect to every backend socket, so a backend running as that user or in
    that group could talk to every other backend (the root one included) as lighttpd does."""
    farm = site.farm
    if not user_exists(farm.frontend_user):
        raise ConfigError(farm.file, "frontend_user", f"user {farm.frontend_user!r} does not exist "
                                                      "(`websitectl setup` creates it)")
    if farm.frontend_group and not _group_exists(farm.frontend_group):
        raise ConfigError(farm.file, "frontend_group", f"group {farm.frontend_group!r} does not exist")
    if farm.frontend_user in SHARED_USERS:
        log.warning("%s: frontend_user = %r is shared with other programs on this machine, which "
                    "could then reach every backend socket: use a user of its own (the default, "
                    "%r)", farm.file, farm.frontend_user, FRONTEND_USER)
    front_uid = pwd.getpwnam(farm.frontend_user).pw_uid
    front_gid = grp.getgrnam(frontend_group(site)).gr_gid
    for b in site.local_backends:
        if not user_exists(b.user):
            raise ConfigError(b.file, f"{b.key}.user",
                              f"user {b.user!r} does not exist (`websitectl setup` creates it)")
        if b.group and not _group_exists(b.group):
            raise ConfigError(b.file, f"{b.key}.group",
                              f"group {b.group!r} does not exist (`websitectl setup` creates it)")
        creds = Credentials.lookup(b.user, b.group)
        if creds.uid == front_uid:
            raise ConfigError(b.file, f"{b.key}.user", f"{b.user!r} is the front-end user: a "
                              "backend must not run as the user lighttpd runs as")
        if front_gid in creds.groups:
            key = f"{b.key}.group" if creds.gid == front_gid and b.group else f"{b.key}.user"
            raise ConfigError(b.file, key, f"{b.user!r} runs in the front-end group "
                              f"{frontend_group(site)!r}, whose members may connect to every "
                              "backend's socket")


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
        # Logs hold user names, addresses and tracebacks: nobody else's to read. lighttpd's
        # logs too are written by the supervisor (as root): lighttpd has no log directory of
        # its own where it could point root's writes elsewhere.
        ("log_dir", farm.log_dir, root, 0o750),
        ("state_dir", farm.state_dir, root, 0o755),
        ("state_dir", paths.identity_dir(farm), root, 0o700),
    ]
    if any(v.events_backend is not None for v in site.vhosts):
        # The events backends' publish sockets: the supervisor's, reachable by every local user.
        plan.append(("run_dir", paths.publish_dir(farm), root, 0o755))
    for key, path, owner, mode in plan:
        _prepare(farm.file, key, path, owner, mode)
    ensure_keys(site)
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


def start_module_as(b: Backend, python: str, module: str, args, *, cwd, env=None,
                    stdin: str = "", user: str | None = None):
    """`python -m module args...` as the backend's user (when we are root; `user` instead, if
    given), with a clean environment and `stdin` already written: so that root never runs a
    backend's code or opens its files. Several run side by side; `collect` each. (If it cannot
    even start, what `collect` would say, already.)"""
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
        proc.stdin.write(stdin)
        proc.stdin.close()
    except BrokenPipeError:             # it exited without reading: collect tells why
        pass
    proc.stdin = None
    return proc


def collect(proc, timeout: float = 60) -> subprocess.CompletedProcess:
    if isinstance(proc, subprocess.CompletedProcess):       # it never started
        return proc
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += f"\n(killed after {timeout:.0f}s)"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def run_module_as(b: Backend, python: str, module: str, args, *, cwd, env=None,
                  stdin: str = "", timeout: float = 60,
                  user: str | None = None) -> subprocess.CompletedProcess:
    """start_module_as, and wait for its output."""
    return collect(start_module_as(b, python, module, args, cwd=cwd, env=env, stdin=stdin,
                                   user=user), timeout)


# The composition root's loader (pycopia_www/compose.py), run as a backend's user (the farm
# knows it only by name).
LOADER = "pycopia_www.compose"


def start_loader_as(site: Site, b: Backend, python: str, args, *,
                    user: str | None = None) -> subprocess.Popen:
    """`python -m pycopia_www.compose args...` as `b`'s user, given the site's snapshot: so
    that application code is imported by a backend's user with that backend's groups, never by
    root. `loader_answer` reads what it says."""
    request = json.dumps({"snapshot": site.snapshot.to_json(), "backend": b.ident})
    return start_module_as(b, python, LOADER, args, cwd="/", env=b.environment, stdin=request,
                           user=user)


def loader_answer(b: Backend, python: str, proc: subprocess.Popen) -> dict:
    """The loader's JSON answer; a user who cannot run the interpreter is a ConfigError."""
    done = collect(proc)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ConfigError(b.file, f"{b.key}.user",
                          f"user {b.user!r} cannot run the backend's Python ({python}): {last}") from None


def run_loader_as(site: Site, b: Backend, python: str, args, *, user: str | None = None) -> dict:
    return loader_answer(b, python, start_loader_as(site, b, python, args, user=user))


def check_backend_apps(site: Site, backends, python: str) -> list[ConfigError]:
    """Load each backend's application as its user (pycopia_www/compose.py), all side by side. Raises
    the first error (in the order given); returns warnings (named routes that can never be
    reversed)."""
    started = [(b, start_loader_as(site, b, python, ["check", b.ident])) for b in backends]
    warnings, error = [], None
    for b, proc in started:             # every one is collected, also after an error
        report = loader_answer(b, python, proc)
        if report["errors"] and error is None:
            error = ConfigError(**report["errors"][0])
        warnings += [ConfigError(**w) for w in report["warnings"]]
    if error is not None:
        raise error
    return warnings
