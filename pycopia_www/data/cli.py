"""`websitectl db BACKEND ...`, and the schema upgrade of `websitectl setup` and `start`: the root
side. The work is done by pycopia_www.data.migrate running as the backend's user in its state
directory, so root never opens a backend's database, and nobody else can.

Imports nothing heavy: websitectl loads this module for every command.
"""
import json
import os
import subprocess
import sys

from ..config import ConfigError, Site
from ..config.database import password_file_problem
from ..farm import paths
from ..farm.accounts import run_module_as
from ..privileges import Credentials, running_as_root


def _owner_uid(b) -> int:
    return Credentials.lookup(b.user, b.group).uid if running_as_root() else os.getuid()


def check_databases(site: Site) -> None:
    """What must hold before a backend's database is opened: its password file belongs to the
    backend's user alone, and a configured migrations directory has revisions in it."""
    for b in site.local_backends:
        d = b.database
        if d is None:
            continue
        if d.password_file is not None:
            problem = password_file_problem(d.password_file, _owner_uid(b))
            if problem:
                raise ConfigError(b.file, f"{b.key}.database_password_file", problem)
        if d.migrations is not None and not any(d.migrations.glob("*.py")):
            raise ConfigError(b.file, f"{b.key}.database_migrations",
                              f"no revisions in {d.migrations}: write the first with "
                              f"`websitectl db {b.ident} revision --autogenerate -m \"first\"`")


def _run(site: Site, b, action: str, *args: str) -> dict:
    state = paths.state_path(site.farm, b)
    if not state.is_dir():
        raise ConfigError(b.file, b.key, f"{state} does not exist: run `websitectl setup` first")
    try:
        proc = run_module_as(b, sys.executable, "pycopia_www.data.migrate",
                             [str(site.farm.file), b.ident, action, *args], cwd=state,
                             env=b.environment)
    except subprocess.TimeoutExpired as exc:
        # Killed inside its transaction: the database rolls it back.
        raise ConfigError(b.file, f"{b.key}.database", f"`{action}` did not finish within "
                                                       f"{exc.timeout:.0f} s and was stopped; "
                                                       "nothing was applied") from None
    try:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ConfigError(b.file, f"{b.key}.database", f"the schema tool failed as user "
                                                       f"{b.user!r}: {last}") from None
    if not report["ok"]:
        raise ConfigError(b.file, f"{b.key}.database", report["error"])
    return report


def upgrade_databases(site: Site) -> list[str]:
    """Bring every local backend's schema to the newest revision (setup, start, reload).
    Raises ConfigError naming the backend when one cannot be upgraded: nothing starts then."""
    check_databases(site)
    out = []
    for b in site.local_backends:
        if b.database is None:
            continue
        report = _run(site, b, "upgrade")
        if report["applied"]:
            out.append(f"{b.ident}: database upgraded {report['before'] or '(empty)'} -> "
                       f"{report['after']} ({len(report['applied'])} revision(s))")
        elif report.get("created"):
            out.append(f"{b.ident}: created table(s) {', '.join(report['created'])}")
    return out


def _backend(site: Site, name: str):
    found = [b for b in site.backends if name in (b.ident, b.name)]
    if len(found) != 1:
        with_db = ", ".join(b.ident for b in site.backends if b.database is not None) or "none"
        raise ConfigError(site.farm.backends_dir, "backend",
                          f"{'several backends are' if found else 'no backend is'} called "
                          f"{name!r} (backends with a database: {with_db})")
    b = found[0]
    if b.database is None:
        raise ConfigError(b.file, f"{b.key}.database", f"backend {b.ident} declares no database")
    if b.remote:
        raise ConfigError(b.file, f"{b.key}.addresses", f"{b.ident} runs elsewhere: run "
                                                        "websitectl db on its own host")
    return b


def cmd_db(args) -> int:
    from ..config import load_site
    site = load_site(args.farm)
    b = _backend(site, args.backend)
    if args.action != "revision":
        check_databases(site)
    if args.action == "upgrade":
        report = _run(site, b, "upgrade", args.revision)
        print(f"{b.ident}: at revision {report['after'] or '(none)'}"
              + (f", applied {', '.join(report['applied'])}" if report["applied"] else ", nothing to do"))
    elif args.action == "current":
        report = _run(site, b, "current")
        state = "up to date" if report["current"] == report["head"] else f"newest is {report['head']}"
        print(f"{b.ident}: at revision {report['current'] or '(none)'} ({state})")
    elif args.action == "history":
        for r in _run(site, b, "history")["history"]:
            print(f"{'*' if r['current'] else ' '} {r['revision']} <- {r['down'] or '(base)'}  {r['message']}")
    else:
        report = _run(site, b, "revision", args.message, *(["--autogenerate"] if args.autogenerate else []))
        directory = b.database.migrations
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / report["file"]
        path.write_text(report["text"], encoding="utf-8")
        os.chmod(path, 0o644)           # the backend's user reads it
        print(f"wrote {path}")
    return 0


def add_parser(sub) -> None:
    db = sub.add_parser("db", help="a backend's database schema: Alembic migrations, run as its user")
    db.add_argument("backend", help="the backend (host.name, or its name if unique)")
    actions = db.add_subparsers(dest="action", required=True)
    upgrade = actions.add_parser("upgrade", help="apply pending revisions (setup and start do too)")
    upgrade.add_argument("revision", nargs="?", default="head")
    actions.add_parser("current", help="the database's revision, and whether it is the newest")
    actions.add_parser("history", help="every revision, the current one starred")
    revision = actions.add_parser("revision", help="write a new revision into database_migrations")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true",
                          help="compare the models with the database and write the difference")
