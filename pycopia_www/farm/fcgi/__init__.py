"""The FastCGI server: a prefork pool of worker processes serving one WSGI application.

    serve(listen_sock, app, name="ui", workers=2, max_requests=0, request_timeout=30.0)

See docs/fastcgi.md for the behaviour and docs/performance.md for the measurements.
"""
import logging
import socket

from .master import Master
from .records import RecordIO
from .settings import Pool


def serve(listen_sock: socket.socket, app, *, name: str, workers: int = 2,
          max_requests: int = 0, request_timeout: float = 30.0,
          log: logging.Logger | None = None, record_io: type = RecordIO, peers=()) -> None:
    """Run the prefork master in the calling process until SIGTERM/SIGINT, then drain and return.

    listen_sock is a bound, listening stream socket (AF_UNIX, AF_INET or AF_INET6) that may be
    shared with another master during a reload. It is left open and its path is not touched, but
    it is switched to non-blocking mode (which its other holders see too) and its backlog is
    raised to SOMAXCONN, so that connections wait there rather than being refused when every
    worker is busy. Must be called from the main thread: it installs signal handlers for
    SIGTERM, SIGINT and SIGCHLD while it runs and restores the previous ones on return.
    record_io: the record reader/writer class; the tests also run every case with flup's
    (tests/flupio.py), the reference implementation. peers: for a TCP socket, the networks
    (ipaddress) a connection may come from; any other is closed unread (FastCGI's own
    FCGI_WEB_SERVER_ADDRS).
    """
    if listen_sock.type != socket.SOCK_STREAM:
        raise ValueError("serve() needs a stream socket")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if max_requests < 0:
        raise ValueError(f"max_requests must be 0 (never) or positive, not {max_requests}")
    if not request_timeout > 0:
        raise ValueError(f"request_timeout must be positive, not {request_timeout}")
    log = log or logging.getLogger(f"pycopia_www.farm.fcgi.{name}")
    listen_sock.listen(socket.SOMAXCONN)
    listen_sock.setblocking(False)
    values = {"FCGI_MAX_CONNS": str(workers), "FCGI_MAX_REQS": str(workers),
              "FCGI_MPXS_CONNS": "0"}
    Master(Pool(listen_sock, app, name, workers, max_requests, float(request_timeout), log,
                record_io, values, tuple(peers))).run()


__all__ = ["serve"]
