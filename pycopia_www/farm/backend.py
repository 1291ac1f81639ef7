"""The process the supervisor starts for one backend.

Runs as root only until it has dropped privileges; the application module is imported after the
drop, so no application code ever runs with more rights than its backend's user.

    python -I -m pycopia_www.farm.backend SPEC_FD

SPEC_FD is an inherited file (a memfd written by the supervisor) holding one JSON object:
ident, user, group, workers, min_workers, max_requests, max_rss, timeout, idle_timeout (on
demand only, else null), state_dir, debug, listen_fd, ready_fd (optional), drop (whether to drop
privileges), publish_fd (an events backend's publish socket, else null), interest_fd (an events
backend's end of the channel on which it tells the supervisor which wake topics have
subscribers, else null), hold_fd (a backend with wake_topics: the pipe on which the supervisor
says which of them have subscribers, farm/hold.py; else null), entry (the dotted path
of the function that makes the WSGI application), and snapshot: the site's configuration as the
supervisor validated it. The backend builds its site from that snapshot, never from the files as
they are now.
"""
import gc

# No cyclic collection while a backend starts (run as a program; the supervisor imports this
# module too): imports and the application's set-up allocate hundreds of thousands of objects
# that live on, and each collection on the way walks them all again (about a tenth of the time
# SQLAlchemy takes to import). main() turns the collector on again before serving; the prefork
# master collects once before it forks.
if __name__ == "__main__":
    gc.disable()

import importlib                                                # noqa: E402
import ipaddress
import json
import logging
import os
import signal
import socket
import sys

import prctl

from .. import authproof
from ..config import Backend, Site, Snapshot, load_site
from . import paths
from .hold import Hold, forget as forget_listened
from .identity import read_key
from ..privileges import Credentials, PrivilegeError, backend_short_name, drop_to, set_process_name

EXIT_CONFIG = 78        # EX_CONFIG: the backend cannot run as configured
EXIT_IDLE = 75          # an on-demand backend stopped after idle_timeout without a request
# The function that makes a backend's WSGI callable from (site, backend): the composition root's
# loader (pycopia_www/compose.py).
# The farm names it and never imports it before the privilege drop.
ENTRY = "pycopia_www.compose:load"

log = logging.getLogger("pycopia_www.backend")


def command(python: str, site: Site, b: Backend, *, listen_fd: int, ready_fd: int | None,
            drop: bool, publish_fd: int | None = None, interest_fd: int | None = None,
            hold_fd: int | None = None) -> tuple[list[str], dict[str, str], int]:
    """The command line, environment and spec file descriptor (to pass, then close) that start
    backend `b` on the inherited `listen_fd` (and an events backend's publish socket)."""
    state = str(paths.state_path(site.farm, b))
    spec = {"ident": b.ident, "user": b.user, "group": b.group, "workers": b.workers,
            "min_workers": b.fewest_workers, "max_requests": b.max_requests, "max_rss": b.max_rss,
            "timeout": b.timeout, "idle_timeout": b.idle_timeout if b.on_demand else None,
            "debug": b.debug,
            "state_dir": state, "listen_fd": listen_fd, "ready_fd": ready_fd, "drop": drop,
            "publish_fd": publish_fd, "interest_fd": interest_fd, "hold_fd": hold_fd,
            "entry": ENTRY, "snapshot": site.snapshot.to_json(),
            "capabilities": list(b.capabilities),
            # The virtual host's identity key, for the backends that sign or check the
            # authorizer's word (farm/identity.py); the spec is this process's alone.
            "identity_key": read_key(site, b)}
    spec_fd = os.memfd_create("pwww-spec", 0)
    os.write(spec_fd, json.dumps(spec).encode())
    os.lseek(spec_fd, 0, os.SEEK_SET)
    # The interpreter starts as root: isolated (-I: no PYTHON* variables, no user site-packages,
    # no current directory on sys.path) and with a HOME the backend's user cannot write. HOME and
    # the configured environment are set after the privilege drop (main).
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/",
           "PYCOPIA_WWW_BACKEND": b.ident,
           "PWWW_EVENTS_SOCKET": str(paths.publish_socket(site.farm, b.host))}
    return [python, "-I", "-m", "pycopia_www.farm.backend", str(spec_fd)], env, spec_fd


LOOPBACK = ("127.0.0.0/8", "::1/128")


def _peers(backend: Backend, listener: socket.socket) -> tuple:
    """Who may connect to a remote backend's TCP socket: `allow_from`, loopback by default
    (security review M5); a unix socket's own permissions decide for a local one."""
    if listener.family not in (socket.AF_INET, socket.AF_INET6):
        return ()
    return tuple(ipaddress.ip_network(n, strict=False) for n in backend.allow_from or LOOPBACK)


def _read_spec(fd: int) -> dict:
    with os.fdopen(fd, "rb") as f:
        return json.loads(f.read())


def _entry(dotted: str):
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


def main(argv: list[str]) -> int:
    spec = _read_spec(int(argv[1]))
    ident = spec["ident"]
    logging.basicConfig(level=logging.DEBUG if spec["debug"] else logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s {ident}[%(process)d] %(levelname)s %(name)s: %(message)s")
    try:
        if spec["drop"]:
            drop_to(Credentials.lookup(spec["user"], spec["group"]), spec["capabilities"])
        else:
            prctl.set_no_new_privs(1)
    except (PrivilegeError, KeyError, OSError) as exc:
        log.critical("refusing to serve: privileges could not be dropped: %s", exc)
        return EXIT_CONFIG
    set_process_name(f"pwww-{ident}", short=backend_short_name(ident))
    # If the supervisor dies, drain and exit rather than serve unsupervised. (Set after the drop:
    # changing credentials clears it.)
    prctl.set_pdeathsig(signal.SIGTERM)
    os.umask(0o027)
    os.chdir(spec["state_dir"])
    try:
        site = load_site(None, Snapshot.from_json(spec["snapshot"]))
        backend = site.backend(ident)
        os.environ["HOME"] = spec["state_dir"]
        os.environ.update(backend.environment)
        if spec.get("identity_key"):
            authproof.install(bytes.fromhex(spec["identity_key"]))
        sys.path[:0] = site.import_paths(backend)       # the site's own packages (handlers, ...)
        if backend.kind == "events":        # its `app` is the events server: no web layer here
            app = _entry(backend.app)
        else:
            app = _entry(spec["entry"])(site, backend)
    except Exception:
        log.critical("cannot load application %r", spec.get("ident"), exc_info=True)
        return EXIT_CONFIG
    # The socket's blocking mode is shared with the supervisor and, during a reload, with the old
    # master: the FastCGI server sets it, nobody else touches it.
    listener = socket.socket(fileno=spec["listen_fd"])
    if spec["ready_fd"] is not None:
        os.write(spec["ready_fd"], b"R")
        os.close(spec["ready_fd"])
    gc.enable()
    if backend.kind == "events":
        # One process holding every stream on an event loop, not the prefork pool: `app` is the
        # framework's events server (config.site.EVENTS_SERVER).
        interest = spec.get("interest_fd")
        stopped = app(listener, socket.socket(fileno=spec["publish_fd"]), site, backend,
                      privileged=spec["drop"], log=log, idle_timeout=spec["idle_timeout"],
                      interest=socket.socket(fileno=interest) if interest is not None else None)
        return EXIT_IDLE if stopped == "idle" else 0
    from .fcgi import serve
    held = Hold(spec["hold_fd"]) if spec.get("hold_fd") is not None else forget_listened()
    log.info("serving %s as uid %d", backend.app, os.getuid())
    stopped = serve(listener, app, name=ident, workers=spec["workers"],
                    min_workers=spec["min_workers"], max_requests=spec["max_requests"],
                    max_rss=spec["max_rss"], request_timeout=spec["timeout"],
                    idle_timeout=spec["idle_timeout"], log=log, peers=_peers(backend, listener),
                    hold=held)
    return EXIT_IDLE if stopped == "idle" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
