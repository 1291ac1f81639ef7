"""The events server: one process and one event loop holding every event stream of a virtual host.

    serve(listener, publish, site, backend)   # farm/backend.py, after the privilege drop

lighttpd hands each GET /events?topic=... over FastCGI (one connection per stream, responses
streamed: server.stream-response-body in the generated config); the stream stays open and gets
every event published on its topics. Backends publish through the publish socket (intake.py).
A stream ends when its session does (the auth backend says so), when the session's expiry given
by the authorizer comes, or after max_stream_age; the browser then reconnects through lighttpd,
so the authorizer decides again, and gets what it missed from the replay buffers (hub.py).
"""
import asyncio
import logging
import os
import pwd
import resource
import signal
import socket
import time

from .. import authproof
from ..config import Backend, Site
from . import requests, sse
from .fastcgi import Connection
from .hub import Hub
from .intake import Intake, Permissions
from .interest import Interest, wake_topics

STATS_EVERY = 60.0          # seconds between two summary lines in the log (when anything changed)
# lighttpd notices that a client has gone (a closed tab, a reload) only when it writes to it.
# Before a stream is refused for its client's or session's count, the counted streams are
# written to, and the count is taken again this much later.
RECOUNT_AFTER = 0.3
DRAIN = 2.0                 # seconds a stopping server gives its streams to flush their last bytes


class EventsServer:
    def __init__(self, loop: asyncio.AbstractEventLoop, site: Site, backend: Backend, *,
                 privileged: bool, log: logging.Logger):
        self.loop = loop
        self.log = log
        self.settings = backend.events
        self.at_prefix = backend.prefix is not None
        # Who is subscribing is the authorizer's word, signed (authproof; security review H1).
        # A host without users has no key: its streams are all anonymous.
        vhost = next(v for v in site.vhosts if v.name == backend.host)
        self.identity_key = authproof.installed_key()
        if self.identity_key is None and vhost.auth is not None:
            raise RuntimeError("an events backend needs its virtual host's identity key")
        self.hub = Hub(self.settings)
        uid_of = (lambda user: pwd.getpwnam(user).pw_uid) if privileged else (lambda user: os.getuid())
        self.permissions = Permissions(vhost, uid_of)
        self.values = {"FCGI_MAX_CONNS": str(self.settings.max_streams),
                       "FCGI_MAX_REQS": str(self.settings.max_streams), "FCGI_MPXS_CONNS": "0"}
        self.connections: set[Connection] = set()
        self.dropped_slow = 0
        self.refused_streams = 0
        self.intake: Intake | None = None
        self.interest = Interest((), None)
        self._last_stats = None
        self.idle = False                   # stopped for idle_timeout without a stream
        self.last_busy = loop.time()

    # -- streams ---------------------------------------------------------------------------------

    def connection(self) -> Connection:
        conn = Connection(self.opened, self.closed, self.settings.stream_buffer, self.values)
        self.connections.add(conn)
        self.last_busy = self.loop.time()
        return conn

    def opened(self, conn: Connection, params: dict[str, str]) -> None:
        try:
            req = requests.parse(params, self.settings, at_prefix=self.at_prefix,
                                 identity_key=self.identity_key,
                                 anonymous=self.identity_key is None)
        except requests.Refused as refused:
            return self._refuse(conn, refused.status, refused.reason)
        self._admit(conn, req)

    def _admit(self, conn: Connection, req: requests.StreamRequest, recounted: bool = False) -> None:
        if conn.done:
            return                          # lighttpd gave up meanwhile
        if refusal := self.hub.refusal(req.client, req.session):
            if refusal[0] == 429 and not recounted:
                for stream in self.hub.crowd(req.client, req.session):
                    stream.send(sse.HEARTBEAT)
                self.loop.call_later(RECOUNT_AFTER, self._admit, conn, req, True)
                return
            return self._refuse(conn, *refusal)
        conn.subscriptions, conn.client = req.subscriptions, req.client
        conn.user, conn.session = req.user, req.session
        conn.start(sse.start() + self.hub.backlog(req.subscriptions, req.last))
        self.hub.add(conn)
        self.interest.add(conn.subscriptions)
        wait = requests.deadline(req, self.settings) - time.time()
        conn.timer = self.loop.call_later(max(wait, 1.0), conn.end)

    def _refuse(self, conn: Connection, status: int, reason: str) -> None:
        self.refused_streams += 1           # counted in the stats line; lighttpd logs each
        conn.refuse(status, reason)

    def closed(self, conn: Connection) -> None:
        self.connections.discard(conn)
        if conn in self.hub.streams:
            self.interest.remove(conn.subscriptions)
        self.hub.remove(conn)
        self.last_busy = self.loop.time()
        self.dropped_slow += conn.slow

    def reauthorize(self, user: str, session: str | None) -> None:
        """The auth backend says a session ended or changed: its streams end now; their clients
        reconnect through the authorizer, which decides again."""
        streams = self.hub.of_user(user, session)
        for stream in streams:
            stream.end()
        if streams:
            self.log.info("ended %d stream(s) of user %r to be authorized again", len(streams), user)

    # -- timers ----------------------------------------------------------------------------------

    def heartbeat(self) -> None:
        for stream in tuple(self.hub.streams):
            stream.send(sse.HEARTBEAT)
        self.loop.call_later(self.settings.heartbeat, self.heartbeat)

    def stats(self) -> dict:
        return {"streams": len(self.hub.streams), "published": self.hub.published,
                "deliveries": self.hub.deliveries, "dropped_slow": self.dropped_slow,
                "refused_streams": self.refused_streams,
                "refused_publish": self.intake.refused if self.intake else 0}

    def log_stats(self, again: bool = True, force: bool = False) -> None:
        now = self.stats()
        if force or now != self._last_stats:
            self.log.info("events: %s", " ".join(f"{k}={v}" for k, v in now.items()))
            self._last_stats = now
        if again:
            self.loop.call_later(STATS_EVERY, self.log_stats)

    def stop_when_idle(self, idle_timeout: float, stop: asyncio.Event) -> None:
        """On demand: stop once no connection has been open for idle_timeout seconds."""
        now = self.loop.time()
        if self.connections:
            self.last_busy = now
        elif now - self.last_busy >= idle_timeout:
            self.log.info("no stream for %.0fs: stopping until the next one", now - self.last_busy)
            self.idle = True
            stop.set()
            return
        self.loop.call_later(min(1.0, idle_timeout / 4), self.stop_when_idle, idle_timeout, stop)

    # -- stopping --------------------------------------------------------------------------------

    async def drain(self) -> None:
        """End every stream properly and give the last bytes a moment to go out."""
        for stream in tuple(self.hub.streams):
            stream.end()
        deadline = self.loop.time() + DRAIN
        while self.connections and self.loop.time() < deadline:
            await asyncio.sleep(0.05)


def _raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def serve(listener: socket.socket, publish: socket.socket, site: Site, backend: Backend, *,
          privileged: bool = True, log: logging.Logger | None = None,
          idle_timeout: float | None = None, interest: socket.socket | None = None) -> str:
    """Serve the events backend `backend` until SIGTERM or SIGINT ("stopped"), or with
    idle_timeout until no stream has been open for that long ("idle"): FastCGI streams on
    `listener` (from lighttpd), what backends publish on `publish` (a listening SOCK_SEQPACKET
    socket). Both sockets are the supervisor's: they are left open and their paths alone.
    `interest`: where to say which wake topics have subscribers (interest.py)."""
    log = log or logging.getLogger("pycopia_www.events")
    _raise_fd_limit(backend.events.max_streams + 256)
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(_main(loop, listener, publish, site, backend, privileged,
                                             log, idle_timeout, interest))
    finally:
        loop.close()


async def _main(loop, listener, publish, site: Site, backend: Backend, privileged: bool, log,
                idle_timeout: float | None, interest: socket.socket | None) -> str:
    server = EventsServer(loop, site, backend, privileged=privileged, log=log)
    server.interest = Interest(wake_topics(site, backend.host), interest)
    server.intake = Intake(loop, publish, server.permissions, server.settings,
                           server.hub.publish, server.reauthorize)
    listener.setblocking(False)
    fastcgi = await loop.create_server(server.connection, sock=listener, backlog=socket.SOMAXCONN)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, server.log_stats, False, True)    # on demand
    loop.call_later(server.settings.heartbeat, server.heartbeat)
    loop.call_later(STATS_EVERY, server.log_stats)
    if idle_timeout is not None:
        server.stop_when_idle(idle_timeout, stop)
    log.info("events server up: %d topic rule(s), publish socket %s", len(server.settings.topics),
             publish.getsockname())
    await stop.wait()
    fastcgi.close()
    server.intake.close()
    await server.drain()
    server.log_stats(again=False)
    return "idle" if server.idle else "stopped"
