"""Which wake topics have subscribers: what the events server tells the supervisor.

A backend with wake_topics is started by the supervisor when one of those topics gets its first
subscriber, and counted busy while any has one (farm/hold.py). The events server is the one that
knows; it runs as its own unprivileged user and must not start processes, so it only says, on a
channel the supervisor handed it (a SOCK_SEQPACKET socketpair), "+topic" when a wake topic gets
its first subscriber and "-topic" when it loses its last. The supervisor decides from its own
configuration what that starts. A subscription to a pattern ("demo.*") counts for every wake
topic it overlaps.
"""
import logging
import socket

from ..config.topics import overlap

log = logging.getLogger("pycopia_www.events")


class Interest:
    def __init__(self, watched, channel: socket.socket | None):
        self.counts = dict.fromkeys(watched, 0)     # wake topic -> streams subscribed to it
        self.channel = channel
        if channel is not None:
            channel.setblocking(False)

    def _touched(self, subscriptions) -> list[str]:
        return [w for w in self.counts if any(overlap(sub, w) for sub in subscriptions)]

    def add(self, subscriptions) -> None:
        for wake in self._touched(subscriptions):
            self.counts[wake] += 1
            if self.counts[wake] == 1:
                self._say(b"+", wake)

    def remove(self, subscriptions) -> None:
        for wake in self._touched(subscriptions):
            self.counts[wake] -= 1
            if self.counts[wake] == 0:
                self._say(b"-", wake)

    def _say(self, sign: bytes, topic: str) -> None:
        if self.channel is None:
            return
        try:
            self.channel.send(sign + topic.encode())
        except OSError as exc:      # the supervisor is gone or not reading: nothing to wake
            log.warning("cannot tell the supervisor about %s subscribers of %s: %s",
                        "new" if sign == b"+" else "no more", topic, exc)


def wake_topics(site, host: str) -> tuple[str, ...]:
    """The wake topics of the backends of virtual host `host`, each once."""
    vhost = next(v for v in site.vhosts if v.name == host)
    return tuple(dict.fromkeys(t for b in vhost.backends for t in b.wake_topics))
