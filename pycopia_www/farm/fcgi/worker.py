"""A worker process: accept connections on the shared socket and answer their requests.

Accepting: the listening socket is non-blocking. A worker tries accept() first, and only when
nothing is waiting sleeps in epoll on the socket (registered EPOLLEXCLUSIVE, so one connection
wakes one idle worker) and on the signal wake-up pipe. Signal handlers only set flags, so a
SIGTERM can never lose a connection that accept() has just taken. Connections that find every
worker busy wait in the kernel's listen backlog; nothing is refused.

Request timeout: the worker notes in the scoreboard when its request began; the master, which
looks at the scoreboard on every tick, sends SIGALRM to a worker whose request is over time. The
handler checks the worker's own clock (so a late signal cannot hit the next request) and raises
RequestTimeout into the application; the request is answered 504, and the worker exits afterwards
so the master replaces it (whatever the application was doing may have left bad state behind).
No system call per request is spent on the timer.
"""
import errno
import ipaddress
import os
import select
import signal
import socket
import time

from . import protocol as P
from .connection import Connection
from .util import drain
from .wsgi import RequestTimeout, respond

KEEP_IDLE = 5.0        # seconds a kept (FCGI_KEEP_CONN) connection may sit idle between requests
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class Worker:
    def __init__(self, pool, slot, board):
        self.pool = pool
        self.listen = pool.listen
        self.app = pool.app
        self.max_requests = pool.max_requests
        self.timeout = pool.request_timeout
        self.log = pool.log
        self.slot = slot
        self.board = board
        self.grows = pool.grows    # the master adds a worker when nudged and all are busy
        self.master = os.getppid()
        self.served = 0
        self.stopping = False
        self.expired = False       # a request timed out: this worker must be replaced
        self.in_app = False        # RequestTimeout may be raised now
        self.began = 0.0           # when the current request began (time.monotonic())
        self.wake_r = self.wake_w = -1

    # -- the `timer` of wsgi.respond -------------------------------------------------------------

    def arm(self):
        self.in_app = True

    def disarm(self):
        self.in_app = False

    def _on_alarm(self, signum, frame):
        if self.in_app and time.monotonic() - self.began >= self.timeout:
            self.in_app = False
            self.expired = True
            raise RequestTimeout()

    def _on_stop(self, signum, frame):
        self.stopping = True

    # -- life ------------------------------------------------------------------------------------

    def done(self):
        return (self.stopping or self.expired
                or (self.max_requests and self.served >= self.max_requests))

    def _setup_signals(self):
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGALRM, self._on_alarm)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        # The master forks with the stop signals blocked; one sent since is delivered now.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def run(self):
        """Serve until told to stop, recycled or timed out. Returns the exit status."""
        self._setup_signals()
        listen = self.listen
        poller = select.epoll()
        poller.register(listen.fileno(), select.EPOLLIN | select.EPOLLEXCLUSIVE)
        poller.register(self.wake_r, select.EPOLLIN)
        accept = listen._accept         # (fd, address): no socket.py wrapper, no enum lookups
        family, kind, proto = int(listen.family), int(listen.type), listen.proto
        inet = family in (socket.AF_INET, socket.AF_INET6)
        peers = self.pool.peers if inet else ()
        while not self.done():
            try:
                fd, address = accept()
            except BlockingIOError:
                poller.poll()
                drain(self.wake_r)
                continue
            except OSError as exc:
                if exc.errno in (errno.ECONNABORTED, errno.EPROTO):
                    continue
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self.log.error("accept: %s; pausing", exc)
                    time.sleep(0.1)
                    continue
                raise
            if peers and not any(ipaddress.ip_address(address[0]) in net for net in peers):
                os.close(fd)            # not the front end: not a byte read from it
                self.log.warning("refused a FastCGI connection from %s (not in allow_from)",
                                 address[0])
                continue
            conn = socket.socket(family, kind, proto, fd)
            if inet:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.serve(conn)
        return 0

    def serve(self, conn):
        """All the requests of one connection."""
        try:
            Connection(self.pool.record_io(conn, self.timeout), self.pool.values,
                       idle_wait=self.idle_wait).run(self.handle)
        except P.ProtocolError as exc:
            self.log.warning("dropping a FastCGI connection: %s", exc)
        except TimeoutError:
            self.log.warning("dropping a FastCGI connection: nothing received for %ss",
                             self.timeout)
        except OSError as exc:
            self.log.info("FastCGI connection lost: %s", exc)
        except Exception:
            self.log.exception("dropping a FastCGI connection after an internal error")
        finally:
            conn.close()

    def handle(self, conn, req):
        self.began = began = time.monotonic()
        self.board.busy(self.slot, began, self.served)
        if self.grows and self.board.saturated():
            os.kill(self.master, signal.SIGUSR1)
        try:
            again = respond(conn.io, req, self.app, self, self.log)
        finally:
            self.in_app = False
            self.served += 1
            self.board.idle(self.slot, self.served)
        return again and not self.done()

    def idle_wait(self, sock):
        """Between requests on a kept connection: True when its next request is arriving.

        The connection is given up when the worker should stop, or when another connection is
        waiting to be accepted (a kept connection must not starve the listen backlog).
        """
        if self.done():
            return False
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        poller.register(self.wake_r, select.POLLIN)
        poller.register(self.listen, select.POLLIN)
        ready = poller.poll(KEEP_IDLE * 1000)
        drain(self.wake_r)
        return any(fd == sock.fileno() for fd, _ in ready) and not self.done()
