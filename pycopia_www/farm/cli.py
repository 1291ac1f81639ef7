"""The farm's websitectl commands: set up, start, stop, inspect and reload the farm, and serve one
backend remotely. pycopia_www/ctl/ assembles websitectl from these and the web-facing commands."""
import argparse
import json
import logging
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

from ..config import FarmSettings, load_farm, load_site
from . import certificates, lighttpd, listen, paths, procfs
from .accounts import create_accounts, prepare_directories, prepare_state_dir
from .checks import check_site
from .logfile import CappedLogHandler
from ..privileges import running_as_root

log = logging.getLogger("websitectl")

CTL_MODULE = "pycopia_www.ctl"         # websitectl itself, for the daemon's detached copy
START_TIMEOUT = 60.0
STOP_TIMEOUT = 90.0


# `make install` writes this beside the installed venv: the farm file its websitectl uses.
INSTALLED_FARM = Path(sys.prefix) / "pycopia-www-farm"


def default_farm_file() -> Path:
    """$PWWW_FARM; else the site in the current directory (./etc/farm.toml); else the installed
    farm's (SYSCONFDIR/farm.toml, as `make install` recorded it); else, in a checkout of
    pycopia-www, the demo site."""
    if os.environ.get("PWWW_FARM"):
        return Path(os.environ["PWWW_FARM"])
    here = Path.cwd() / "etc" / "farm.toml"
    if here.exists():
        return here
    if INSTALLED_FARM.is_file():
        return Path(INSTALLED_FARM.read_text().strip())
    return Path(__file__).resolve().parents[2] / "demo" / "etc" / "farm.toml"


def warn_if_unprivileged() -> None:
    if not running_as_root():
        log.warning("not running as root: lighttpd and every backend run as %s, not as their "
                    "configured users (privilege separation is off)", os.environ.get("USER") or os.getuid())


# ----- talking to a running supervisor -------------------------------------------------------

class NotRunning(Exception):
    pass


def ask(farm: FarmSettings, command: str, timeout: float = 30.0, **fields) -> dict:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(paths.control_socket(farm)))
        sock.sendall(json.dumps({"command": command, **fields}).encode() + b"\n")
        reply = sock.makefile("rb").readline()
    except (FileNotFoundError, ConnectionRefusedError):
        raise NotRunning("the farm is not running") from None
    finally:
        sock.close()
    if not reply:
        raise NotRunning("the supervisor closed the connection")
    return json.loads(reply)


def running_pid(farm: FarmSettings) -> int | None:
    try:
        pid = int(paths.pid_file(farm).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if procfs.alive(pid) else None


# ----- commands -----------------------------------------------------------------------------

def setup(args, steps=()):
    """Users, groups and directories, then every check and `steps` (see prepare_and_check);
    returns the site for what the other layers set up on top (the first admin, ...)."""
    site = load_site(args.farm)
    if running_as_root():
        for made in create_accounts(site):
            print(f"created {made}")
    else:
        warn_if_unprivileged()
    prepare_directories(site, running_as_root())
    for line in certificates.ensure(site):
        print(line)
    check_site(site, as_root=running_as_root(), python=sys.executable)
    for step in steps:
        for line in step(site) or ():
            print(line)
    return site


def cmd_check(args, steps=()) -> int:
    site = load_site(args.farm)
    for warning in check_site(site, as_root=running_as_root(), python=sys.executable, port=args.port,
                              tls_port=args.tls_port):
        print(f"warning: {warning}")
    for step in steps:
        for line in step(site) or ():
            print(line)
    print(f"configuration OK: {args.farm} and {site.farm.backends_dir}")
    return 0


def cmd_config(args) -> int:
    site = load_site(args.farm)
    print(lighttpd.farm_conf(site, port=args.port, tls_port=args.tls_port))
    print(lighttpd.sites_conf(site, tls_port=args.tls_port,
                              trusted=frozenset(certificates.trusted_hosts(site))), end="")
    return 0


def cmd_start(args, steps=()) -> int:
    from .supervisor import Supervisor, open_log, prepare_and_check
    if args.reload and (not args.foreground or args.quiet):
        print("websitectl start: --reload restarts backends as their code changes, for "
              "development: it needs --foreground (a farm in the background, or an installed "
              "one, is reloaded by `websitectl reload`)", file=sys.stderr)
        return 2
    os.umask(0o027)             # the supervisor's log: nobody else's to read
    site = load_site(args.farm)
    pid = running_pid(site.farm)
    if pid:
        print(f"already running (supervisor pid {pid})", file=sys.stderr)
        return 1
    if args.sockets:        # the detached supervisor: `start` bound them for it
        front = [socket.socket(fileno=int(fd)) for fd in args.sockets.split(",")]
        for sock in front:
            sock.set_inheritable(False)     # handed on by pass_fds alone, like every socket
    else:                   # first of all, so that a port in use stops everything at once
        front = listen.bind(site, port=args.port, tls_port=args.tls_port)
    if args.foreground:
        warn_if_unprivileged()
        site = prepare_and_check(args.farm, port=args.port, tls_port=args.tls_port, steps=steps,
                                 checked=bool(args.sockets))
        _log_to(site.farm, detached=args.quiet)
        supervisor = Supervisor(args.farm, site, port=args.port, tls_port=args.tls_port,
                                foreground=not args.quiet, front_sockets=front, steps=steps)
        if args.reload:
            from .watch import Watcher
            supervisor.watcher = Watcher(site)
        return supervisor.run()
    # Daemon: check here, so errors reach the terminal; then start a detached foreground copy.
    site = prepare_and_check(args.farm, port=args.port, tls_port=args.tls_port, steps=steps)
    warn_if_unprivileged()
    fds = [s.fileno() for s in front]
    command = [sys.executable, "-m", CTL_MODULE, "--farm", str(args.farm), "start",
               "--foreground", "--quiet", "--sockets", ",".join(map(str, fds))]
    for option, value in (("--port", args.port), ("--tls-port", args.tls_port)):
        if value:
            command += [option, str(value)]
    with open_log(paths.supervisor_log(site.farm)) as out:
        daemon = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                  pass_fds=fds, start_new_session=True, cwd="/")
    for sock in front:
        sock.close()        # the supervisor has them now

    def died() -> str | None:
        if daemon.poll() is None:
            return None
        return f"the supervisor exited ({daemon.returncode}); see {paths.supervisor_log(site.farm)}"

    # Returns once lighttpd answers and every backend serves (or has failed).
    status = wait_for(site.farm, lambda status: status["supervisor"]["ready"]
                      or status["lighttpd"]["state"] == "failed", died)
    if status is None:
        print("the farm did not come up in time; see websitectl status", file=sys.stderr)
        return 1
    if status["lighttpd"]["state"] == "failed":
        # Without its front end the farm serves nothing: stop it rather than leave it half up.
        error_log = paths.lighttpd_error_log(site.farm)
        print(f"lighttpd does not start ({status['lighttpd']['last_exit']}); the last lines of "
              f"{error_log}:", file=sys.stderr)
        print("".join(error_log.read_text(errors="replace").splitlines(True)[-5:]), end="",
              file=sys.stderr)
        ask(site.farm, "stop")
        return 1
    print(f"started: supervisor pid {daemon.pid}, {' '.join(status['supervisor']['urls'])}")
    failed = [name for name, b in status["backends"].items() if b["state"] == "failed"]
    if failed:
        print(f"failed backends: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def wait_for(farm: FarmSettings, condition, died=lambda: None) -> dict | None:
    """Poll the supervisor's status until condition(status) holds; None on time-out."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if reason := died():
            raise NotRunning(reason)
        try:
            status = ask(farm, "status", timeout=5)
        except (NotRunning, OSError):
            status = None
        if status is not None and condition(status):
            return status
        time.sleep(0.1)
    return None


# stop, status and reload need only etc/farm.toml, so they work while etc/backends.d is broken.

def cmd_stop(args) -> int:
    farm = load_farm(args.farm)
    pid = running_pid(farm)
    if pid is None:
        print("not running")
        return 0
    try:
        ask(farm, "stop")
    except (NotRunning, OSError):
        os.kill(pid, 15)
    deadline = time.monotonic() + STOP_TIMEOUT
    while procfs.alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if procfs.alive(pid):
        print(f"supervisor pid {pid} did not stop within {STOP_TIMEOUT:.0f}s", file=sys.stderr)
        return 1
    print("stopped")
    return 0


def cmd_status(args) -> int:
    farm = load_farm(args.farm)
    try:
        status = ask(farm, "status")
    except (NotRunning, OSError) as exc:
        if args.json:
            print(json.dumps({"running": False}))
        else:
            print(f"not running ({exc})")
        return 3
    rows = [("lighttpd", status["lighttpd"])] + sorted(status["backends"].items())
    if args.json:
        print(json.dumps({"running": True, **status}, indent=2))
    else:
        sup = status["supervisor"]
        print(f"supervisor pid {sup['pid']}  up {sup['uptime']:.0f}s  "
              f"http://{sup['listen']}:{sup['port']}/  {'root' if sup['root'] else 'unprivileged'}")
        print(f"{'NAME':<22} {'STATE':<12} {'PID':>7} {'WORKERS':<18} {'USER':<12} {'PSS':>7} "
              f"{'RESTARTS':>8} {'UPTIME':>8}")
        for name, s in [("supervisor", {"state": "running", "workers": [], "user": "root"
                                        if sup["root"] else "-", "restarts": 0, **sup})] + rows:
            workers = ",".join(map(str, s["workers"])) or "-"
            pss = f"{s['memory']['pss'] / 1024:.1f}M" if s["pid"] else "-"
            state = s["state"] + (" *" if s.get("start") == "on-demand" else "")
            print(f"{name:<22} {state:<12} {s['pid'] or '-':>7} {workers:<18} {s['user']:<12} "
                  f"{pss:>7} {s['restarts']:>8} {s['uptime']:>7.0f}s")
        total = sum(s["memory"]["pss"] for _, s in rows) + sup["memory"]["pss"]
        print(f"memory (PSS) of the whole farm: {total / 1024:.1f} MB; * started on demand")
    return 1 if any(s["state"] == "failed" for _, s in rows) else 0


def cmd_reload(args) -> int:
    farm = load_farm(args.farm)
    reply = ask(farm, "reload", timeout=120)
    if not reply["ok"]:
        print(f"configuration error: {reply['error']}\nreload refused; the old configuration "
              "keeps running", file=sys.stderr)
        return 2
    if wait_for(farm, lambda status: not any(b["reloading"] for b in status["backends"].values())):
        print(f"reloaded (generation {reply['generation']})")
        return 0
    print("reload did not finish in time; see websitectl status", file=sys.stderr)
    return 1


def cmd_sleep_or_wake(args) -> int:
    """Stop an on-demand backend now as if idle (sleep), or start it now (wake)."""
    farm = load_farm(args.farm)
    reply = ask(farm, args.command, backend=args.backend)
    if not reply["ok"]:
        print(reply["error"], file=sys.stderr)
        return 2
    print(f"{args.backend}: {reply['state']}")
    return 0


def cmd_serve(args) -> int:
    """Run one backend on a TCP address, in the foreground: the remote half of `addresses`."""
    from .backend import command
    site = load_site(args.farm)
    try:
        b = site.backend(args.backend)
    except KeyError:
        print(f"no backend {args.backend!r}; known: {', '.join(x.ident for x in site.backends)}",
              file=sys.stderr)
        return 2
    # This machine's `setup` prepared its local backends only: a remote one gets its account
    # and state directory here, where it runs.
    if running_as_root():
        for made in create_accounts(site, [b]):
            print(f"created {made}", file=sys.stderr)
    else:
        warn_if_unprivileged()
    prepare_state_dir(site, b, running_as_root())
    host, _, port = args.listen.rpartition(":")
    listener = socket.create_server((host.strip("[]"), int(port)), backlog=1024,
                                    family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    os.set_inheritable(listener.fileno(), True)
    argv, env, spec_fd = command(sys.executable, site, b, listen_fd=listener.fileno(),
                                 ready_fd=None, drop=running_as_root())
    os.set_inheritable(spec_fd, True)
    os.execve(argv[0], argv, env)


# ----- plumbing -----------------------------------------------------------------------------

def _log_to(farm: FarmSettings, *, detached: bool) -> None:
    """The supervisor's own log, capped like every other. Detached by `start`, its stderr is
    that file already: the records go through the cap instead. Under systemd (stderr is the
    journal) and in a terminal they stay on stderr too."""
    root = logging.getLogger()
    stderr_handler = root.handlers[0]
    is_file = stat.S_ISREG(os.fstat(2).st_mode)
    if detached and not is_file:
        return              # systemd: the journal has its own limits
    handler = CappedLogHandler(paths.supervisor_log(farm), farm.logs, stderr=detached)
    handler.setFormatter(stderr_handler.formatter)
    if detached:
        root.removeHandler(stderr_handler)
    root.addHandler(handler)


def add_parsers(sub) -> None:
    sub.add_parser("setup", help="create the users, groups and directories the configuration needs")
    start = sub.add_parser("start", help="start lighttpd and every backend")
    start.add_argument("--foreground", action="store_true", help="stay in the foreground, log to stderr")
    start.add_argument("--reload", action="store_true",
                       help="restart a backend when its code or route module changes, and "
                            "reload when the configuration does (development; needs --foreground)")
    start.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    start.add_argument("--sockets", default=None, help=argparse.SUPPRESS)   # fds, from `start`
    sub.add_parser("stop", help="stop everything, draining in-flight requests")
    status = sub.add_parser("status", help="what runs, as whom, since when")
    status.add_argument("--json", action="store_true")
    sub.add_parser("reload", help="re-read the configuration and replace workers gracefully")
    for name, what in (("sleep", "stop an on-demand backend now (the next request starts it)"),
                       ("wake", "start a stopped on-demand backend now")):
        sub.add_parser(name, help=what).add_argument("backend", help="host.backend, e.g. docs.docs")
    sub.add_parser("check", help="validate the configuration and the generated lighttpd config")
    sub.add_parser("config", help="print the generated lighttpd configuration")
    serve = sub.add_parser("serve", help="run one backend on a TCP address (for remote backends)")
    serve.add_argument("backend", help="host.backend, e.g. appliance.ui")
    serve.add_argument("--listen", required=True, help="host:port")
    for name in ("start", "check", "config"):
        sub.choices[name].add_argument("--port", type=int, default=None,
                                       help="listen on this port instead of the configured one")
        sub.choices[name].add_argument("--tls-port", type=int, default=None,
                                       help="HTTPS on this port instead of the configured one")


COMMANDS = {"start": cmd_start, "stop": cmd_stop, "status": cmd_status, "reload": cmd_reload,
            "check": cmd_check, "config": cmd_config, "serve": cmd_serve,
            "sleep": cmd_sleep_or_wake, "wake": cmd_sleep_or_wake}
