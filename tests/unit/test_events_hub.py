"""The events server's bookkeeping without sockets: fan-out, patterns, replay after a reconnect,
the missed notice, limits per client and session, and the SSE frames and ids."""
import json
from dataclasses import replace

import pytest

from pycopia_www.config import EventSettings, TopicRule
from pycopia_www.events import hub as hub_module, sse
from pycopia_www.events.hub import Hub

SETTINGS = EventSettings(
    topics=(TopicRule("net.secret", frozenset({"admin"})), TopicRule("demo.status", frozenset()),
            TopicRule("net.*", frozenset())),
    replay=4, max_event=16384, max_streams=10, max_streams_per_client=3, max_streams_per_session=2,
    stream_buffer=65536, heartbeat=15.0, max_stream_age=600.0)


class Stream:
    def __init__(self, *subscriptions, client="10.0.0.1", session=None, user=None):
        self.subscriptions, self.client, self.session, self.user = subscriptions, client, session, user
        self.frames = []

    def send(self, frame):
        self.frames.append(frame)

    def events(self):
        return [parse(f) for f in self.frames]


def parse(frame: bytes) -> dict:
    fields = {}
    for line in frame.decode().strip("\n").split("\n"):
        name, _, value = line.partition(": ")
        fields[name] = value
    if "data" in fields:
        fields["data"] = json.loads(fields["data"])
    return fields


def frames(data: bytes) -> list[dict]:
    return [parse(f) for f in data.split(b"\n\n") if f]


def hub(**changes) -> Hub:
    return Hub(replace(SETTINGS, **changes), epoch="0badcafe")


def test_an_event_reaches_its_topic_and_its_patterns_once():
    h = hub()
    exact, wide, both, other = Stream("net.eth0"), Stream("net.*"), Stream("net.*", "net.eth0"), Stream("demo.status")
    for s in (exact, wide, both, other):
        h.add(s)
    assert h.publish("net.eth0", '{"rx":1}') == 3
    for s in (exact, wide, both):
        assert s.events() == [{"id": "0badcafe-1", "data": {"topic": "net.eth0", "value": {"rx": 1}}}]
    assert other.frames == []
    h.publish("net.eth0.rx", "2")
    assert len(wide.frames) == 2 and len(exact.frames) == 1


def test_a_removed_stream_gets_nothing_and_leaves_no_trace():
    h = hub()
    s = Stream("net.*", user="ann", session="s1")
    h.add(s)
    h.remove(s)
    h.remove(s)                     # twice: harmless
    assert h.publish("net.eth0", "1") == 0 and s.frames == []
    assert (h._wide, h._exact, h._by_user, dict(h._per_client), dict(h._per_session)) == ({}, {}, {}, {}, {})


def test_replay_after_a_reconnect_gives_exactly_what_was_missed():
    h = hub()
    for n in range(3):
        h.publish("net.eth0", str(n))
        h.publish("demo.status", str(n))
    # the client saw event 2 (net.eth0 "0", demo.status "0"): it gets 3..6 of its topics, in order
    got = frames(h.backlog(("net.*", "demo.status"), ("0badcafe", 2)))
    assert [g["id"] for g in got] == ["0badcafe-3", "0badcafe-4", "0badcafe-5", "0badcafe-6"]
    assert got[0]["data"] == {"topic": "net.eth0", "value": 1}
    assert h.backlog(("net.*",), ("0badcafe", 6)) == b""         # up to date: nothing


def test_what_is_no_longer_kept_is_announced_as_missed():
    h = hub()                       # replay = 4 per topic
    for n in range(10):
        h.publish("net.eth0", str(n))
    h.publish("demo.status", "1")
    first, *rest = frames(h.backlog(("net.eth0", "demo.status"), ("0badcafe", 1)))
    assert first == {"event": sse.MISSED, "data": ["net.eth0"]}     # demo.status lost nothing
    assert [r["data"]["value"] for r in rest] == [6, 7, 8, 9, 1]
    # another epoch: the server restarted, anything may be lost
    assert parse(h.backlog(("net.*",), ("12345678", 3))) == {"event": sse.MISSED, "data": ["net.*"]}


def test_without_replay_any_gap_is_missed():
    h = hub(replay=0)
    h.publish("net.eth0", "1")
    assert h.backlog(("net.eth0",), ("0badcafe", 1)) == b""           # saw the last one
    h.publish("net.eth0", "2")
    assert parse(h.backlog(("net.eth0",), ("0badcafe", 1))) == {"event": sse.MISSED, "data": ["net.eth0"]}


def test_replay_memory_is_bounded_by_forgetting_the_stalest_topics(monkeypatch):
    monkeypatch.setattr(hub_module, "REPLAY_BYTES", 2000)
    h = hub()
    for n in range(40):
        h.publish(f"net.if{n}", '"' + "x" * 100 + '"')
    assert h._log_bytes <= 2000 and "net.if0" not in h._logs and "net.if39" in h._logs
    notice = parse(h.backlog(("net.if0",), ("0badcafe", 1)))
    assert notice == {"event": sse.MISSED, "data": ["net.if0"]}


def test_limits_per_client_per_session_and_in_all():
    h = hub()
    for i in range(2):
        h.add(Stream("net.*", session="s1"))
    assert h.refusal("10.0.0.1", "s1")[0] == 429                     # the session's two
    assert h.refusal("10.0.0.1", "s2") is None
    h.add(Stream("net.*", session="s2"))
    assert h.refusal("10.0.0.1", None) == (429, "too many event streams from this address")
    assert h.refusal("10.0.0.2", None) is None
    for i in range(7):
        h.add(Stream("net.*", client=f"10.0.1.{i}"))
    assert h.refusal("10.0.0.9", None)[0] == 503


def test_streams_of_a_user_or_one_session():
    h = hub()
    a, b, c = Stream("net.*", user="ann", session="s1"), Stream("net.*", user="ann", session="s2"), \
        Stream("net.*", user="bob", session="s3")
    for s in (a, b, c):
        h.add(s)
    assert set(h.of_user("ann")) == {a, b} and h.of_user("ann", "s2") == [b] and h.of_user("eve") == []


@pytest.mark.parametrize("text, parsed", [
    ("0badcafe-12", ("0badcafe", 12)), (None, None), ("", None), ("12", None), ("0badcafe-0", None),
    ("0BADCAFE-1", None), ("0badcafe-1\n", None), ("0badcafe--1", None), ("x" * 5000, None),
    ("0badcafe-" + "9" * 19, None), ("../../etc", None)])
def test_malformed_last_event_ids_are_ignored(text, parsed):
    assert sse.parse_id(text) == parsed


def test_a_forged_future_id_replays_nothing():
    h = hub()
    h.publish("net.eth0", "1")
    assert h.backlog(("net.*",), ("0badcafe", 999)) == b""


def test_the_crowd_of_a_client_or_session_is_what_its_limits_count():
    h = hub()
    mine, same_session, other = Stream("net.*", session="s1"), \
        Stream("net.*", client="10.9.9.9", session="s1"), Stream("net.*", client="10.0.0.2")
    for s in (mine, same_session, other):
        h.add(s)
    assert set(h.crowd("10.0.0.1", "s1")) == {mine, same_session}
    assert h.crowd("10.0.0.1", None) == [mine]
