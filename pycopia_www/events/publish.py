"""publish(topic, value) from any backend: hand an event to the virtual host's events backend.

Each process keeps one connection to the publish socket (its path in PWWW_EVENTS_SOCKET, which
the farm sets for every backend). The kernel tells the events server which user connected; the
configuration says what that user may publish, and the server logs anything else.

Publishing never holds up the caller for long: an event is one SOCK_SEQPACKET message, sent whole
or not at all, and a send that finds no room within SEND_TIMEOUT gives up. An event that cannot be
sent (no events backend, not running, too busy) is dropped and counted (stats()), never queued:
subscribers that reconnect are told they missed events, and refetch.

Mistakes of the caller are not dropped but raised: a malformed topic name, a value the proxy
codec cannot carry, a value too large for one packet.
"""
import logging
import os
import socket
import threading
import time

from ..config.topics import check_name
from . import packets

log = logging.getLogger("pycopia_www.events")

SOCKET_ENV = "PWWW_EVENTS_SOCKET"
SEND_TIMEOUT = 0.05         # seconds one publish may wait for room in the socket
RETRY_AFTER = 1.0           # seconds before trying again to reach an events backend that was down


class Publisher:
    """One connection to a publish socket. Thread-safe; reconnects after a fork."""

    def __init__(self, path: str | None, *, timeout: float = SEND_TIMEOUT,
                 retry_after: float = RETRY_AFTER):
        self.path = path
        self.timeout = timeout
        self.retry_after = retry_after
        self.sent = 0
        self.dropped = 0
        self._sock: socket.socket | None = None
        self._pid = 0
        self._down_until = 0.0
        self._down = False                  # said so in the log: say it again only when it was up
        self._broken = 0                    # connections that broke (logged at 1, 10, 100, ...)
        self._lock = threading.Lock()
        self._codec = None

    def publish(self, topic: str, value) -> bool:
        """Send one event; False when it was dropped."""
        if problem := check_name(topic):
            raise ValueError(problem)
        if self._codec is None:
            # Imported on first use: the events server imports this package and stays small.
            from ..proxy.codec import Codec
            self._codec = Codec()
        packet = packets.event_packet(topic, self._codec.encode(value))
        if len(packet) > packets.MAX_PACKET:
            raise ValueError(f"an event of {len(packet)} bytes is over the publish socket's "
                             f"limit ({packets.MAX_PACKET})")
        return self.send(packet)

    def send(self, packet: bytes) -> bool:
        if not self._lock.acquire(timeout=self.timeout):
            return self._drop("another thread of this process is stuck publishing")
        try:
            sock = self._connected()
            if sock is None:
                return self._drop("the events backend cannot be reached" if self.path else
                                  f"no events backend for this process ({SOCKET_ENV} is not set)")
            try:
                sock.send(packet)
            except (TimeoutError, BlockingIOError):
                return self._drop("the events backend takes no more events just now")
            except OSError as exc:
                self._disconnect(f"the connection to the events backend broke: {exc}")
                return self._drop("")
            self.sent += 1
            return True
        finally:
            self._lock.release()

    def _connected(self) -> socket.socket | None:
        if self._sock is not None and self._pid == os.getpid():
            return self._sock
        self._sock = None                   # a connection inherited through fork is the parent's
        if not self.path or time.monotonic() < self._down_until:
            return None
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError as exc:
            sock.close()
            self._down_until = time.monotonic() + self.retry_after
            if not self._down:
                log.warning("events: cannot reach %s (%s); events are dropped until it answers",
                            self.path, exc.strerror or exc)
                self._down = True
            return None
        if self._down:
            log.info("events: %s answers again", self.path)
            self._down = False
        self._sock, self._pid = sock, os.getpid()
        return sock

    def _disconnect(self, why: str) -> None:
        self._broken += 1
        if str(self._broken).rstrip("0") == "1":
            log.warning("events: %s%s", why, f" ({self._broken} times)" if self._broken > 1 else "")
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._down_until = time.monotonic() + self.retry_after

    def _drop(self, why: str) -> bool:
        self.dropped += 1
        if why and str(self.dropped).rstrip("0") == "1":
            log.warning("events: dropped an event (%d so far): %s", self.dropped, why)
        return False

    def stats(self) -> dict[str, int]:
        return {"sent": self.sent, "dropped": self.dropped}


_default: Publisher | None = None
_default_lock = threading.Lock()


def default_publisher() -> Publisher:
    """This process's publisher, to the socket the farm named in PWWW_EVENTS_SOCKET."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Publisher(os.environ.get(SOCKET_ENV))
    return _default


def publish(topic: str, value) -> bool:
    """Publish `value` (anything the proxy codec carries: see docs/proxy.md) on `topic`.
    Returns False when the event was dropped; never waits more than about SEND_TIMEOUT."""
    return default_publisher().publish(topic, value)


def reauthorize(user: str, session: str | None = None) -> bool:
    """For the auth backend: the streams of this session (None: of every session of `user`)
    must end and be authorized again (logout, password or roles changed, user removed).
    Quiet when there is no events server: then there is no stream to end either."""
    publisher = default_publisher()
    if not publisher.path or not os.path.exists(publisher.path):
        return False
    return publisher.send(packets.reauthorize_packet(user, session))


def stats() -> dict[str, int]:
    """Events this process has sent and dropped."""
    return default_publisher().stats()
