"""The FastCGI server: a prefork pool of worker processes serving one WSGI application.

    serve(listen_sock, app, name="ui", workers=2, max_requests=0, request_timeout=30.0)
    serve(listen_sock, app, name="ui", min_workers=1, workers=4, max_rss=64 << 20,
          idle_timeout=300.0)

See docs/fastcgi.md for the behaviour and docs/performance.md for the measurements.
"""
import logging
import socket

from .master import Master
from .records import RecordIO
from .settings import Pool


def serve(listen_sock: socket.socket, app, *, name: str, workers: int = 2,
          min_workers: int | None = None, max_requests: int = 0, max_rss: int = 0,
          request_timeout: float = 30.0, idle_timeout: float | None = None,
          retire_after: float = 30.0, log: logging.Logger | None = None,
          record_io: type = RecordIO, peers=(), hold=None) -> str:
    """Run the prefork master in the calling process until SIGTERM/SIGINT, then drain and return
    "stopped"; with idle_timeout, also after that many seconds without a request: "idle".

    workers: the most worker processes. min_workers (default: workers) starts that many; while
    every worker is busy and connections wait, one more is added (up to workers), and one that
    has sat idle for retire_after seconds leaves again (down to min_workers). max_rss: a worker
    resident in more bytes than this finishes its request and is replaced (checked every tick).

    listen_sock is a bound, listening stream socket (AF_UNIX, AF_INET or AF_INET6) that may be
    shared with another master during a reload. It is left open and its path is not touched, but
    it is switched to non-blocking mode (which its other holders see too) and its backlog is
    raised to SOMAXCONN, so that connections wait there rather than being refused when every
    worker is busy. Must be called from the main thread: it installs signal handlers for
    SIGTERM, SIGINT and SIGCHLD while it runs and restores the previous ones on return.
    record_io: the record reader/writer class; the tests also run every case with flup's
    (tests/flupio.py), the reference implementation. peers: for a TCP socket, the networks
    (ipaddress) a connection may come from; any other is closed unread (FastCGI's own
    FCGI_WEB_SERVER_ADDRS). hold: something with fileno() and poll() -> bool (farm/hold.py):
    while poll() says True, the backend counts as busy for idle_timeout.
    """
    if listen_sock.type != socket.SOCK_STREAM:
        raise ValueError("serve() needs a stream socket")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if min_workers is not None and not 1 <= min_workers <= workers:
        raise ValueError(f"min_workers must be 1-{workers}, not {min_workers}")
    if max_rss < 0:
        raise ValueError(f"max_rss must be 0 (no limit) or positive, not {max_rss}")
    if idle_timeout is not None and not idle_timeout > 0:
        raise ValueError(f"idle_timeout must be positive, not {idle_timeout}")
    if max_requests < 0:
        raise ValueError(f"max_requests must be 0 (never) or positive, not {max_requests}")
    if not request_timeout > 0:
        raise ValueError(f"request_timeout must be positive, not {request_timeout}")
    log = log or logging.getLogger(f"pycopia_www.farm.fcgi.{name}")
    listen_sock.listen(socket.SOMAXCONN)
    listen_sock.setblocking(False)
    values = {"FCGI_MAX_CONNS": str(workers), "FCGI_MAX_REQS": str(workers),
              "FCGI_MPXS_CONNS": "0"}
    return Master(Pool(listen_sock, app, name, workers, max_requests, float(request_timeout), log,
                       record_io, values, tuple(peers), min_workers=min_workers or 0,
                       max_rss=max_rss, idle_timeout=idle_timeout, retire_after=retire_after,
                       hold=hold)).run()


__all__ = ["serve"]
