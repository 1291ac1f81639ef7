"""The publish socket: where backends hand their events to the events server.

A local SOCK_SEQPACKET socket that anyone on the machine may connect to: who the peer is comes
from the kernel (SO_PEERCRED: the uid of the process that connected), never from the message. The
configuration says which backend (user) may publish which topics (`publish = ["net.*"]`), and the
virtual host's auth backend (user) may send control messages. Anything else is refused and
logged; a uid that may do nothing at all is hung up on at once.
"""
import json
import logging
import socket
import struct

from ..config import EventSettings, VirtualHost
from ..config.topics import check_name, covers
from . import packets

log = logging.getLogger("pycopia_www.events")

MAX_PUBLISHERS = 256        # connected publisher processes at a time
_PEERCRED = struct.Struct("3i")     # struct ucred: pid, uid, gid


class Permissions:
    """What each peer uid may send. `uid_of(user)` maps a configured user to the uid its
    processes run as (every backend runs as the invoking user when the farm is not root)."""

    def __init__(self, vhost: VirtualHost, uid_of):
        self.publish: dict[int, tuple[str, ...]] = {}
        self.names: dict[int, list[str]] = {}
        for b in vhost.backends:
            if b.publish:
                uid = uid_of(b.user)
                self.publish[uid] = self.publish.get(uid, ()) + b.publish
                self.names.setdefault(uid, []).append(b.name)
        auth = vhost.auth_backend
        self.control = {uid_of(auth.user)} if auth is not None else set()
        if auth is not None:
            self.names.setdefault(uid_of(auth.user), []).append(auth.name)

    def knows(self, uid: int) -> bool:
        return uid in self.publish or uid in self.control

    def may_publish(self, uid: int, topic: str) -> bool:
        return any(covers(p, topic) for p in self.publish.get(uid, ()))

    def who(self, uid: int) -> str:
        names = self.names.get(uid)
        return f"uid {uid} (backend {', '.join(names)})" if names else f"uid {uid}"


class Intake:
    """Accepts publishers on `sock` (bound and listening) and passes on what they may send:
    on_event(topic, value_json) and on_reauthorize(user, session)."""

    def __init__(self, loop, sock: socket.socket, permissions: Permissions,
                 settings: EventSettings, on_event, on_reauthorize):
        self.loop = loop
        self.sock = sock
        self.permissions = permissions
        self.settings = settings
        self.on_event = on_event
        self.on_reauthorize = on_reauthorize
        self.peers: dict[socket.socket, tuple[int, int]] = {}
        self.received = 0
        self.refused = 0
        self._refusals: dict[tuple, int] = {}
        sock.setblocking(False)
        loop.add_reader(sock, self._accept)

    def close(self) -> None:
        """Stop taking publishers (the listening socket itself stays open: it is not ours)."""
        self.loop.remove_reader(self.sock)
        for peer in list(self.peers):
            self._hang_up(peer)

    def _accept(self) -> None:
        try:
            peer, _ = self.sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            log.warning("publish socket: accept failed: %s", exc)
            return
        pid, uid, _gid = _PEERCRED.unpack(peer.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                          _PEERCRED.size))
        if not self.permissions.knows(uid):
            self._refuse(uid, pid, "may not publish anything", ("anything",))
            peer.close()
            return
        if len(self.peers) >= MAX_PUBLISHERS:
            log.warning("publish socket: %d publishers connected; refusing pid %d",
                        len(self.peers), pid)
            peer.close()
            return
        peer.setblocking(False)
        self.peers[peer] = (uid, pid)
        self.loop.add_reader(peer, self._read, peer)

    def _hang_up(self, peer: socket.socket) -> None:
        self.loop.remove_reader(peer)
        self.peers.pop(peer, None)
        peer.close()

    def _read(self, peer: socket.socket) -> None:
        uid, pid = self.peers[peer]
        for _ in range(64):             # a burst at a time, then let the streams have the loop
            try:
                packet = peer.recv(packets.MAX_PACKET + 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                packet = b""
            if not packet:
                self._hang_up(peer)
                return
            self._take(uid, pid, packet)

    def _take(self, uid: int, pid: int, packet: bytes) -> None:
        if len(packet) > packets.MAX_PACKET:
            return self._refuse(uid, pid, "sent a packet over the size limit", ("size",))
        try:
            message = packets.read(packet)
        except packets.PacketError as exc:
            return self._refuse(uid, pid, f"sent a malformed packet: {exc}", ("malformed",))
        if "control" in message:
            if uid not in self.permissions.control:
                return self._refuse(uid, pid, "may not send control messages", ("control",))
            self.received += 1
            return self.on_reauthorize(message["user"], message["session"])
        topic = message["topic"]
        if check_name(topic) or self.settings.rule(topic) is None:
            return self._refuse(uid, pid, f"published {topic[:80]!r}, which is no declared topic",
                                ("undeclared", topic[:80]))
        if not self.permissions.may_publish(uid, topic):
            return self._refuse(uid, pid, f"may not publish {topic!r}", ("topic", topic))
        value_json = json.dumps(message["value"], ensure_ascii=False, separators=(",", ":"),
                                allow_nan=False)
        if len(value_json.encode()) > self.settings.max_event:
            return self._refuse(uid, pid, f"published {topic!r} with a value over max_event "
                                          f"({self.settings.max_event} bytes)", ("large", topic))
        self.received += 1
        self.on_event(topic, value_json)

    def _refuse(self, uid: int, pid: int, what: str, kind: tuple) -> None:
        """Log a refusal: the first of a kind, then at the 10th, 100th, ... (a loop publishing
        what it may not must not flood the log)."""
        self.refused += 1
        if len(self._refusals) > 1024:      # kinds include topic names: keep the table bounded
            self._refusals.clear()
        key = (uid, *kind)
        count = self._refusals[key] = self._refusals.get(key, 0) + 1
        if str(count).rstrip("0") == "1":
            suffix = f" ({count} times)" if count > 1 else ""
            log.warning("refused: %s, pid %d, %s%s", self.permissions.who(uid), pid, what, suffix)

