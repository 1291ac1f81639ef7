"""`websitectl user ...` and the first admin of `websitectl setup`: the root side. The work is
done by pycopia_www.auth.usercmd running as the auth backend's user, in its state directory."""
import getpass
import os
import subprocess
import sys

from ..config import ConfigError, Site, VirtualHost
from ..farm import paths
from ..farm.accounts import run_module_as


def auth_vhosts(site: Site) -> list[VirtualHost]:
    return [v for v in site.vhosts if v.auth is not None]


def pick_vhost(site: Site, name: str | None) -> VirtualHost:
    vhosts = auth_vhosts(site)
    if name is not None:
        for v in vhosts:
            if name == v.name or name in v.hosts:
                return v
        raise ConfigError(site.farm.backends_dir, "auth", f"no virtual host {name!r} with an [auth] table")
    if len(vhosts) != 1:
        raise ConfigError(site.farm.backends_dir, "auth",
                          "no virtual host has an [auth] table" if not vhosts else
                          f"several virtual hosts have users ({', '.join(v.name for v in vhosts)}): "
                          f"choose one with --host")
    return vhosts[0]


def run_usercmd(site: Site, vhost: VirtualHost, args: list[str], stdin: str = "") -> subprocess.CompletedProcess:
    b = vhost.auth_backend
    directory = paths.state_path(site.farm, b)
    if not directory.is_dir():
        raise ConfigError(b.file, f"{b.key}", f"{directory} does not exist: run `websitectl setup` first")
    cost = ["--password-cost", str(vhost.auth.password_cost)]
    # Where to say that sessions ended, so their event streams end too (docs/events.md).
    env = {"PWWW_EVENTS_SOCKET": str(paths.publish_socket(site.farm, vhost.name))} \
        if vhost.events_backend is not None else {}
    return run_module_as(b, sys.executable, "pycopia_www.auth.usercmd", [*cost, *args],
                         cwd=directory, env=env, stdin=stdin)


def admin_password() -> str:
    """The first admin's password, from the file named by $ADMIN_PASSWORD_FILE (its first line)
    or from $ADMIN_PASSWORD; "" for a generated one. Never a command-line argument: every local
    user can read a process's command line."""
    path = os.environ.get("ADMIN_PASSWORD_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                return f.readline().rstrip("\n")
        except OSError as exc:
            raise ConfigError(path, "", f"ADMIN_PASSWORD_FILE: {exc.strerror}") from None
    return os.environ.get("ADMIN_PASSWORD", "")


def first_admins(site: Site) -> list[str]:
    """For setup: an `admin` user in every empty store, with admin_password() or a generated
    password (printed once). Idempotent: a store with users is left alone."""
    out = []
    password = admin_password()
    for vhost in auth_vhosts(site):
        if vhost.auth_backend.remote:
            continue
        proc = run_usercmd(site, vhost, ["first-admin"], password + "\n")
        if proc.returncode != 0:
            b = vhost.auth_backend
            raise ConfigError(b.file, b.key, f"cannot create the first admin: {proc.stderr.strip()}")
        if proc.stdout.strip():
            out.append(f"{vhost.name}: {proc.stdout.strip()}")
    return out


def read_password(confirm: bool = True) -> str:
    """Prompted twice on a terminal; otherwise the first line of stdin (for scripts)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise SystemExit("the passwords differ")
    return first


def cmd_user(args) -> int:
    from ..config import load_site
    site = load_site(args.farm)
    vhost = pick_vhost(site, args.host)
    action = args.action
    argv, stdin = [action], ""
    if action in ("add", "passwd", "roles", "remove", "logout"):
        argv.append(args.name)
    if action in ("add", "roles"):
        argv.append(args.roles or "")
    if action in ("add", "passwd"):
        stdin = read_password() + "\n"
    proc = run_usercmd(site, vhost, argv, stdin)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    return 0 if proc.returncode == 0 else 1


def add_parser(sub) -> None:
    user = sub.add_parser("user", help="manage the users of a virtual host's auth backend")
    user.add_argument("--host", default=None, help="the virtual host (needed if several have users)")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a user (password prompted, or one line on stdin)")
    add.add_argument("name")
    add.add_argument("--roles", default="", help="comma-separated, e.g. admin,ops")
    actions.add_parser("passwd", help="set a password (ends the user's sessions)").add_argument("name")
    roles = actions.add_parser("roles", help="set a user's roles")
    roles.add_argument("name")
    roles.add_argument("roles", help="comma-separated; '' for none")
    actions.add_parser("remove", help="remove a user and their sessions").add_argument("name")
    actions.add_parser("logout", help="end every session of a user").add_argument("name")
    actions.add_parser("list", help="users, roles and open sessions")
