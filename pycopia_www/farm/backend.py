"""The process the supervisor starts for one backend.

Runs as root only until it has dropped privileges; the application module is imported after the
drop, so no application code ever runs with more rights than its backend's user.

    python -m pycopia_www.farm.backend SPEC_JSON

SPEC_JSON (written by the supervisor): ident, kind, user, group, app, workers, max_requests,
timeout, state_dir, debug, listen_fd, ready_fd (optional), drop (whether to drop privileges),
pythonpath (the site's import paths, added after the drop).
"""
import importlib
import json
import logging
import os
import signal
import socket
import sys

import prctl

from ..config import Backend, FarmSettings
from . import paths
from ..privileges import Credentials, PrivilegeError, drop_to, set_process_name

EXIT_CONFIG = 78        # EX_CONFIG: the backend cannot run as configured

log = logging.getLogger("pycopia_www.backend")


def command(python: str, farm_file, farm: FarmSettings, b: Backend, *, listen_fd: int,
            ready_fd: int | None, drop: bool) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start backend `b` on the inherited `listen_fd`."""
    state = str(paths.state_path(farm, b))
    spec = {"ident": b.ident, "kind": b.kind, "user": b.user, "group": b.group, "app": b.app,
            "workers": b.workers, "max_requests": b.max_requests, "timeout": b.timeout,
            "debug": b.debug, "state_dir": state, "listen_fd": listen_fd, "ready_fd": ready_fd,
            "drop": drop, "pythonpath": [str(p) for p in b.pythonpath + farm.pythonpath]}
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": state,
           "PYCOPIA_WWW_BACKEND": b.ident, "PYCOPIA_WWW_FARM": str(farm_file),
           "PWWW_EVENTS_SOCKET": str(paths.publish_socket(farm, b.host)), **b.environment}
    return [python, "-m", "pycopia_www.farm.backend", json.dumps(spec)], env


def load_app(target: str):
    """`pkg.module:attr`; or `pkg.module` holding a route table (`routes`: the framework's own
    application is built from it) or a WSGI callable named `application`."""
    module_name, _, attr = target.partition(":")
    if not attr:
        from ..urls import load_routes
        if load_routes(module_name) is not None:
            from ..web.app import app_from_environment
            return app_from_environment()
    module = importlib.import_module(module_name)
    app = getattr(module, attr or "application", None)
    if not callable(app):
        raise LookupError(f"{module_name} has no WSGI callable {attr or 'application'!r}")
    return app


def main(argv: list[str]) -> int:
    spec = json.loads(argv[1])
    ident = spec["ident"]
    logging.basicConfig(level=logging.DEBUG if spec["debug"] else logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s {ident}[%(process)d] %(levelname)s %(name)s: %(message)s")
    try:
        if spec["drop"]:
            drop_to(Credentials.lookup(spec["user"], spec["group"]))
        else:
            prctl.set_no_new_privs(1)
    except (PrivilegeError, KeyError, OSError) as exc:
        log.critical("refusing to serve: privileges could not be dropped: %s", exc)
        return EXIT_CONFIG
    set_process_name(f"pwww-{ident}")
    # If the supervisor dies, drain and exit rather than serve unsupervised. (Set after the drop:
    # changing credentials clears it.)
    prctl.set_pdeathsig(signal.SIGTERM)
    os.umask(0o027)
    os.chdir(spec["state_dir"])
    sys.path[:0] = spec["pythonpath"]       # the site's own packages (handlers, ...)
    try:
        app = load_app(spec["app"])
    except Exception:
        log.critical("cannot load application %r", spec["app"], exc_info=True)
        return EXIT_CONFIG
    # The socket's blocking mode is shared with the supervisor and, during a reload, with the old
    # master: the FastCGI server sets it, nobody else touches it.
    listener = socket.socket(fileno=spec["listen_fd"])
    if spec["ready_fd"] is not None:
        os.write(spec["ready_fd"], b"R")
        os.close(spec["ready_fd"])
    if spec["kind"] == "events":
        # One process holding every stream on an event loop, not the prefork pool: `app` is the
        # framework's events server (config.site.EVENTS_SERVER).
        app(listener, ident, privileged=spec["drop"], log=log)
        return 0
    from .fcgi import serve
    log.info("serving %s as uid %d with %d worker(s)", spec["app"], os.getuid(), spec["workers"])
    serve(listener, app, name=ident, workers=spec["workers"], max_requests=spec["max_requests"],
          request_timeout=spec["timeout"], log=log)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
