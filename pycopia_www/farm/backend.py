"""The process the supervisor starts for one backend.

Runs as root only until it has dropped privileges; the application module is imported after the
drop, so no application code ever runs with more rights than its backend's user.

    python -m pycopia_www.farm.backend SPEC_JSON

SPEC_JSON (written by the supervisor): ident, user, group, app, workers, max_requests, timeout,
state_dir, debug, listen_fd, ready_fd, drop (whether to drop privileges).
"""
import importlib
import json
import logging
import os
import signal
import socket
import sys

import prctl

from .privileges import Credentials, PrivilegeError, drop_to, set_process_name

EXIT_CONFIG = 78        # EX_CONFIG: the backend cannot run as configured

log = logging.getLogger("pycopia_www.backend")


def load_app(target: str):
    """`pkg.module:attr`, or `pkg.module` holding a WSGI callable named `application`."""
    module_name, _, attr = target.partition(":")
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
    try:
        app = load_app(spec["app"])
    except Exception:
        log.critical("cannot load application %r", spec["app"], exc_info=True)
        return EXIT_CONFIG
    listener = socket.socket(fileno=spec["listen_fd"])
    listener.setblocking(True)
    os.write(spec["ready_fd"], b"R")
    os.close(spec["ready_fd"])
    from .fcgi import serve
    log.info("serving %s as uid %d with %d worker(s)", spec["app"], os.getuid(), spec["workers"])
    serve(listener, app, name=ident, workers=spec["workers"], max_requests=spec["max_requests"],
          request_timeout=spec["timeout"], log=log)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
