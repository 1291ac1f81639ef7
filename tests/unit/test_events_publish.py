"""Publishing over a real publish socket in this process: what the events server's intake takes
and refuses (the peer's uid from SO_PEERCRED), and a publisher that drops instead of waiting when
the events server is gone or does not read."""
import asyncio
import logging
import os
import socket
import threading
import time

import pytest

from pycopia_www.config import EventSettings, TopicRule
from pycopia_www.events import packets
from pycopia_www.events.intake import Intake, Permissions
from pycopia_www.events.publish import Publisher
from pycopia_www.proxy.codec import EncodeError

SETTINGS = EventSettings(topics=(TopicRule("net.*", frozenset()), TopicRule("sys.x", frozenset())),
                         replay=4, max_event=512, max_streams=10, max_streams_per_client=3,
                         max_streams_per_session=2, stream_buffer=65536, heartbeat=15.0,
                         max_stream_age=600.0)


class Backend:
    def __init__(self, name, user, publish=()):
        self.name, self.user, self.publish = name, user, tuple(publish)


class VHost:
    def __init__(self, backends, auth=None):
        self.backends, self.auth_backend = backends, auth


ME = os.getuid()


def open_socket(path):
    """A publish socket as the supervisor makes one: listening, open to every local user."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.bind(str(path))
    os.chmod(path, 0o666)
    sock.listen(64)
    return sock


def permissions(**uids):
    """Our own uid is user "me"; others get uids nobody has."""
    backends = [Backend("pub", "me", ["net.*"]), Backend("other", "someone", ["sys.x"])]
    auth = Backend("auth", uids.get("auth", "someone-else"))
    ids = {"me": ME, "someone": 99998, "someone-else": 99999}
    return Permissions(VHost(backends, auth), lambda user: ids[user])


class Server:
    """The intake on its own event loop in a thread, as in the events server."""

    def __init__(self, tmp_path, perms):
        self.loop = asyncio.new_event_loop()
        self.path = tmp_path / "publish.sock"
        self.sock = open_socket(self.path)
        self.events, self.controls = [], []
        self.intake = Intake(self.loop, self.sock, perms, SETTINGS,
                             lambda t, v: self.events.append((t, v)),
                             lambda u, s: self.controls.append((u, s)))
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, until, seconds=10.0):
        """Wait for `until()` to hold (the loop runs meanwhile); it is asserted afterwards."""
        deadline = time.monotonic() + seconds
        while not until() and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self):
        def stop():
            self.intake.close()
            self.loop.stop()
        self.loop.call_soon_threadsafe(stop)
        self.thread.join(10)
        self.sock.close()
        self.path.unlink()
        self.loop.close()


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path, permissions())
    yield s
    s.close()


def test_a_permitted_event_arrives_as_compact_json(server):
    p = Publisher(str(server.path))
    assert p.publish("net.eth0", {"rx": 1, "up": True, "when": {1, 2}})
    server.run(lambda: server.events)
    assert server.events == [("net.eth0", '{"rx":1,"up":true,"when":{"$type":"set","$value":[1,2]}}')]
    assert p.stats() == {"sent": 1, "dropped": 0}


def test_refusals_are_logged_and_nothing_passes(server, caplog):
    p = Publisher(str(server.path))
    caplog.set_level(logging.WARNING, "pycopia_www.events")
    p.publish("sys.x", 1)                   # declared, but another backend's
    p.publish("net", 1)                     # not declared ("net.*" does not cover "net")
    p.publish("net.big", "x" * 600)         # over max_event
    p.send(b"{not json")
    p.send(packets.reauthorize_packet("ann"))   # only the auth backend's user
    p.publish("net.ok", 1)
    server.run(lambda: server.events)
    assert server.events == [("net.ok", "1")] and server.controls == []
    assert server.intake.refused == 5
    text = caplog.text
    for words in ("may not publish 'sys.x'", "'net', which is no declared topic", "over max_event",
                  "malformed packet", "may not send control messages"):
        assert words in text
    assert f"uid {ME} (backend pub)" in text


def test_a_repeated_refusal_is_logged_at_powers_of_ten(server, caplog):
    p = Publisher(str(server.path))
    caplog.set_level(logging.WARNING, "pycopia_www.events")
    for _ in range(150):
        p.publish("sys.x", 1)
    server.run(lambda: server.intake.refused == 150)
    logged = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(logged) == 3 and logged[1].endswith("(10 times)") and logged[2].endswith("(100 times)")


def test_the_auth_backends_user_may_ask_for_reauthorization(tmp_path):
    s = Server(tmp_path, permissions(auth="me"))
    try:
        p = Publisher(str(s.path))
        p.send(packets.reauthorize_packet("ann", "sid"))
        p.send(packets.reauthorize_packet("bob"))
        s.run(lambda: len(s.controls) == 2)
        assert s.controls == [("ann", "sid"), ("bob", None)]
    finally:
        s.close()


def test_a_uid_that_may_do_nothing_is_hung_up_on(tmp_path, caplog):
    s = Server(tmp_path, Permissions(VHost([], None), lambda user: 0))
    caplog.set_level(logging.WARNING, "pycopia_www.events")
    try:
        p = Publisher(str(s.path))
        p.publish("net.x", 1)
        s.run(lambda: "may not publish anything" in caplog.text)
        assert f"uid {ME}, pid {os.getpid()}, may not publish anything" in caplog.text
        s.run(lambda: not p.publish("net.x", 1) and p.stats()["dropped"], seconds=2)
        assert p.stats()["dropped"] >= 1 and s.events == []
    finally:
        s.close()


def test_no_events_backend_means_dropped_and_counted(tmp_path):
    for p in (Publisher(str(tmp_path / "nowhere.sock")), Publisher(None)):
        assert p.publish("net.x", 1) is False and p.publish("net.x", 2) is False
        assert p.stats() == {"sent": 0, "dropped": 2}


def test_a_server_that_does_not_read_makes_publishers_drop_not_wait(tmp_path):
    path = tmp_path / "stuck.sock"
    sock = open_socket(path)                # listening, never accepting or reading
    try:
        p = Publisher(str(path), timeout=0.01)
        results = []
        while results.count(False) < 3 and len(results) < 5000:
            results.append(p.publish("net.x", "y" * 4000))
        assert results[0] is True and results.count(False) == 3
        assert p.stats() == {"sent": results.count(True), "dropped": results.count(False)}
    finally:
        sock.close()


def test_a_restarted_events_server_is_reached_again(tmp_path):
    s = Server(tmp_path, permissions())
    p = Publisher(str(s.path), retry_after=0)
    p.publish("net.a", 1)
    s.run(lambda: s.events)
    s.close()                               # hangs up on its publishers
    assert p.publish("net.b", 2) is False   # the connection broke: dropped, not queued
    s2 = Server(tmp_path, permissions())
    try:
        assert p.publish("net.c", 3)
        s2.run(lambda: s2.events)
        assert s2.events == [("net.c", "3")] and p.stats() == {"sent": 2, "dropped": 1}
    finally:
        s2.close()


def test_callers_mistakes_are_raised_not_dropped(tmp_path):
    p = Publisher(str(tmp_path / "nowhere.sock"))
    with pytest.raises(ValueError, match="not a topic name"):
        p.publish("Net.X", 1)
    with pytest.raises(EncodeError):
        p.publish("net.x", object())
    with pytest.raises(ValueError, match="over the publish socket's limit"):
        p.publish("net.x", "x" * packets.MAX_PACKET)
    assert p.stats() == {"sent": 0, "dropped": 0}


@pytest.mark.parametrize("packet, words", [
    (b"[1]", "not a JSON object"), (b'{"topic": 1, "value": 2}', "string topic"),
    (b'{"topic": "a", "value": 2, "x": 3}', "exactly"), (b'{"control": "shutdown"}', "neither"),
    (b'{"control": "reauthorize", "user": 3, "session": null}', "string user"),
    (b"[" * 100000, "not JSON")])
def test_malformed_packets(packet, words):
    with pytest.raises(packets.PacketError, match=words):
        packets.read(packet)
