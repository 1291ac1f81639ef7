"""Live updates through real lighttpd and real backends under their own users: the events backend
(pwww-t-events) streams what other backends publish (pwww-t-pub may publish net.*, pwww-t-other
only other.*, pwww-t-ui nothing); the authorizer decides who may listen; sessions that end end
their streams; and the limits hold: a slow subscriber is dropped, too many streams get 429, a
malformed Last-Event-ID is ignored, an events backend that does not read makes publishers drop."""
import json
import os
import signal
import stat
import threading
import time
from urllib.parse import quote

import pytest

from farmkit import Browser, Farm
from sse_client import EventStream

APPS = 'pythonpath = ["@APPS@"]'
PUBLISHERS = f"""\
    [[backend]]
    name = "pub"
    user = "pwww-t-pub"
    prefix = "/pub"
    app = "publisher:application"
    publish = ["net.*", "sys.*"]
    workers = 1
    {APPS}
    [[backend]]
    name = "other"
    user = "pwww-t-other"
    prefix = "/other"
    app = "publisher:application"
    publish = ["other.*"]
    workers = 1
    {APPS}
    [[backend]]
    name = "nopub"
    user = "pwww-t-ui"
    prefix = "/nopub"
    app = "publisher:application"
    workers = 1
    {APPS}
    [[backend]]
    name = "auth"
    user = "pwww-t-auth"
    prefix = "/auth"
    app = "pycopia_www.auth.urls"
    workers = 1
    {APPS}
    """
EVENTS = """\
    [[backend]]
    name = "events"
    kind = "events"
    user = "pwww-t-events"
    prefix = "/events"
    auth = "optional"
    topics = {{ "net.*" = [], "other.*" = [], "sys.*" = ["admin"] }}
    {limits}
    """
MAIN = ('hosts = ["main.test"]\ndefault = true\n[auth]\nbackend = "auth"\n' + PUBLISHERS
        + EVENTS.format(limits="replay = 4\nmax_streams_per_session = 2\nmax_streams_per_client = 6"))
# Small buffers, so a subscriber that stops reading is found out soon.
SLOW = ('hosts = ["slow.test"]\n[auth]\nbackend = "auth"\n' + PUBLISHERS
        + EVENTS.format(limits="stream_buffer = 131072"))
# Sessions that go idle in 2 s.
SHORT = ('hosts = ["short.test"]\n[auth]\nbackend = "auth"\nidle_timeout = 2\nmax_age = 60\n'
         + PUBLISHERS + EVENTS.format(limits=""))

# A host without users: no identity key, every stream anonymous.
OPEN = f"""\
    hosts = ["open.test"]
    [[backend]]
    name = "pub"
    user = "pwww-t-pub"
    prefix = "/pub"
    app = "publisher:application"
    publish = ["net.*"]
    workers = 1
    {APPS}
    [[backend]]
    name = "events"
    kind = "events"
    user = "pwww-t-events"
    prefix = "/events"
    topics = {{ "net.*" = [] }}
    """


@pytest.fixture(scope="module")
def farm():
    f = Farm({"main": MAIN, "slow": SLOW, "short": SHORT, "open": OPEN})
    try:
        f.start()
        for host in ("main", "short"):
            for name, roles in (("ann", ["--roles", "admin"]), ("bob", [])):
                proc = f.ctl("user", "--host", host, "add", name, *roles, input=f"{name}-pw-1\n", check=False)
                assert proc.returncode == 0, proc.stderr
        yield f
    finally:
        f.cleanup()


def publish(farm, topic, value, backend="pub", host="main.test", n=1, size=None) -> dict:
    path = f"/{backend}?topic={quote(topic)}&value={quote(json.dumps(value))}&n={n}"
    if size is not None:
        path += f"&size={size}"
    status, body = farm.request(path, host=host, timeout=60)
    assert status == 200, body
    return json.loads(body)


def stream(farm, query, host="main.test", **kw) -> EventStream:
    return EventStream(farm.port, f"/events?{query}", host=host, **kw)


def events_log(farm, host="main") -> str:
    return (farm.root / "var" / "log" / f"{host}.events.log").read_text()


def login(farm, name, host="main.test") -> Browser:
    b = Browser(farm, host)
    status, _, _ = b.login(name, f"{name}-pw-1", next_="/pub")
    assert status == 303
    return b


def wait_for(condition, within=15.0):
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def test_an_event_from_another_backend_reaches_subscribers_through_lighttpd(farm):
    with stream(farm, "topic=net.*") as a, stream(farm, "topic=net.eth0") as b:
        assert a.status == 200 and a.headers["content-type"].startswith("text/event-stream")
        assert publish(farm, "net.eth0", {"rx": 5})["sent"] == 1
        for s in (a, b):
            event = s.next()
            assert event["data"] == {"topic": "net.eth0", "value": {"rx": 5}}
            assert event["id"].split("-")[1].isdigit()


def test_a_host_without_users_has_an_events_backend_too(farm):
    with stream(farm, "topic=net.*", host="open.test", headers={"Remote-User": "ann"}) as s:
        assert s.status == 200
        assert publish(farm, "net.open", 7, host="open.test")["sent"] == 1
        assert s.next()["data"] == {"topic": "net.open", "value": 7}


def test_typed_values_travel_in_the_proxy_codecs_form(farm):
    with stream(farm, "topic=net.typed") as s:
        publish(farm, "net.typed", {"$type": "ignored", "n": 2 ** 60})     # a dict with a "$type" key
        value = s.next()["data"]["value"]
        assert value["$type"] == "dict" and {"$type": "bigint", "$value": str(2 ** 60)} in \
            [pair[1] for pair in value["$value"]]


def test_a_backend_publishes_only_what_its_user_may(farm):
    with stream(farm, "topic=net.*&topic=other.*") as s:
        publish(farm, "net.not-theirs", 1, backend="other")        # other may only publish other.*
        publish(farm, "net.x", 1, backend="nopub")                 # nopub may publish nothing
        publish(farm, "other.fine", 2, backend="other")
        assert s.next()["data"] == {"topic": "other.fine", "value": 2}
    wait_for(lambda: "may not publish 'net.not-theirs'" in events_log(farm)
             and "may not publish anything" in events_log(farm))
    log = events_log(farm)
    assert "refused: uid" in log and "(backend other)" in log


def test_who_may_listen_is_the_topics_read_roles(farm):
    assert stream(farm, "topic=sys.load").status == 401
    bob, ann = login(farm, "bob"), login(farm, "ann")
    assert stream(farm, "topic=sys.load", cookies=bob.cookies).status == 403
    assert stream(farm, "topic=net.*&topic=sys.load", cookies=bob.cookies).status == 403
    with stream(farm, "topic=sys.load", cookies=ann.cookies) as s:
        assert s.status == 200
        publish(farm, "sys.load", [0.5])
        assert s.next()["data"]["value"] == [0.5]
    assert stream(farm, "topic=nothing.declared").status == 404
    assert stream(farm, "topic=Not-A-Topic").status == 400


def test_replay_after_a_reconnect_and_the_missed_notice(farm):
    with stream(farm, "topic=net.replay") as s:
        publish(farm, "net.replay", 0)
        last = s.next()["id"]
    for n in range(1, 4):
        publish(farm, "net.replay", n)
    with stream(farm, "topic=net.replay", headers={"Last-Event-ID": last}) as s:
        assert [e["data"]["value"] for e in s.take(3)] == [1, 2, 3]
    for n in range(4, 12):                                   # more than the 4 kept
        publish(farm, "net.replay", n)
    with stream(farm, "topic=net.replay", headers={"Last-Event-ID": last}) as s:
        first, *rest = s.take(5)
        assert first == {"event": "pwww-missed", "data": ["net.replay"]}
        assert [e["data"]["value"] for e in rest] == [8, 9, 10, 11]
    # The same from the query (a page reopening its own stream), another epoch: all missed.
    epoch, number = last.split("-")
    other = ("0" if epoch[0] != "0" else "1") + epoch[1:]
    with stream(farm, f"topic=net.replay&last-event-id={other}-{number}") as s:
        assert s.next() == {"event": "pwww-missed", "data": ["net.replay"]}


@pytest.mark.parametrize("bad", ["garbage", "x" * 2000, "deadbeef-", "deadbeef-99999999999999999999",
                                 "deadbeef-1 data: injected", "-1", "caf\u00e9-1"])
def test_a_malformed_last_event_id_is_ignored(farm, bad):
    # (A line break cannot get this far: lighttpd refuses control characters in the URL.)
    with stream(farm, f"topic=net.malformed&last-event-id={quote(bad)}",
                headers={"Last-Event-ID": bad}) as s:
        assert s.status == 200, (s.status, s.body)
        publish(farm, "net.malformed", "after")
        assert s.next()["data"]["value"] == "after"          # no replay, no notice, no error


def test_too_many_streams_of_one_session_or_address_get_429(farm):
    ann = login(farm, "ann")
    first, second = (stream(farm, "topic=net.*", cookies=ann.cookies) for _ in range(2))
    try:
        third = stream(farm, "topic=net.*", cookies=ann.cookies)
        assert (first.status, second.status, third.status) == (200, 200, 429)
        assert third.headers["retry-after"] and b"session" in third.body
        anonymous = [stream(farm, "topic=net.*") for _ in range(4)]   # 6 from this address
        assert [s.status for s in anonymous] == [200] * 4
        refused = stream(farm, "topic=net.*")
        assert refused.status == 429 and b"address" in refused.body
        for s in anonymous:
            s.close()
    finally:
        first.close()
        second.close()


def test_streams_a_client_has_closed_do_not_count_against_it(farm):
    # A reloaded page: its old stream is closed by the browser, but lighttpd notices only when
    # it writes to it; the events server makes it write before it refuses for the count.
    ann = login(farm, "ann")
    for _ in range(3):
        pair = [stream(farm, "topic=net.*", cookies=ann.cookies) for _ in range(2)]
        assert [s.status for s in pair] == [200, 200]
        for s in pair:
            s.close()


def test_a_subscriber_that_stops_reading_is_dropped_and_the_others_get_everything(farm):
    reader = stream(farm, "topic=net.*", host="slow.test")
    stuck = stream(farm, "topic=net.*", host="slow.test", rcvbuf=4096)   # and never reads
    got = []

    def read_all():
        try:
            got.extend(iter(reader.next, None))
        except OSError:                           # closed when the test is done
            pass
    threading.Thread(target=read_all, daemon=True).start()      # the reader keeps up all along
    try:
        sent, rounds = 0, 0
        # Bursts a reading client absorbs (64 KB against a 128 KB stream buffer), until the one
        # that does not read has filled the kernel's and lighttpd's buffers, then its own.
        while "does not read" not in events_log(farm, "slow") and rounds < 500:
            sent += publish(farm, "net.flood", None, size=16000, host="slow.test", n=4)["sent"]
            rounds += 1
        assert "dropping a subscriber that does not read" in events_log(farm, "slow")
        publish(farm, "net.after", 1, host="slow.test")
        wait_for(lambda: got and got[-1]["data"]["topic"] == "net.after", within=30)
        assert len(got) == sent + 1 and all(e["data"]["value"] == "x" * 16000 for e in got[:-1])
        assert stuck.ends(within=30)              # what was buffered, then the end
    finally:
        reader.close()
        stuck.close()


def test_logout_ends_the_streams_of_that_session_only(farm):
    one, two = login(farm, "ann"), login(farm, "ann")
    with stream(farm, "topic=net.*", cookies=one.cookies) as s1, \
            stream(farm, "topic=net.*", cookies=two.cookies) as s2:
        one.post("/auth/logout", {"csrf_token": one.token("/auth/login")})
        assert s1.ends(within=10)
        publish(farm, "net.still", 1)
        assert s2.next()["data"]["value"] == 1


def test_log_out_everywhere_and_websitectl_user_logout_end_every_stream_of_the_user(farm):
    for how in ("everywhere", "websitectl"):
        one, two = login(farm, "bob"), login(farm, "bob")
        with stream(farm, "topic=net.*", cookies=one.cookies) as s1, \
                stream(farm, "topic=net.*", cookies=two.cookies) as s2:
            if how == "everywhere":
                one.post("/auth/logout", {"csrf_token": one.token("/auth/login"), "everywhere": "1"})
            else:
                farm.ctl("user", "--host", "main", "logout", "bob")
            assert s1.ends(within=10) and s2.ends(within=10)


def test_event_streams_do_not_keep_a_session_alive(farm):
    ann = login(farm, "ann", host="short.test")
    # Reconnect again and again for longer than idle_timeout: each is a question to the
    # authorizer, and none restarts the idle clock.
    deadline = time.monotonic() + 3.5
    statuses = []
    while time.monotonic() < deadline:
        s = stream(farm, "topic=sys.load", host="short.test", cookies=ann.cookies)
        statuses.append(s.status)
        s.close()
        time.sleep(0.25)
    assert statuses[0] == 200 and statuses[-1] == 401
    assert ann.get("/pub?topic=net.x")[0] == 200 and \
        stream(farm, "topic=sys.load", host="short.test", cookies=ann.cookies).status == 401


def test_a_stream_ends_when_its_session_expires(farm):
    ann = login(farm, "ann", host="short.test")
    with stream(farm, "topic=sys.load", host="short.test", cookies=ann.cookies) as s:
        assert s.status == 200
        assert s.ends(within=15)          # at the expiry the authorizer announced (idle 2 s)
    assert stream(farm, "topic=sys.load", host="short.test", cookies=ann.cookies).status == 401


def test_an_events_backend_that_does_not_read_makes_publishers_drop_not_wait(farm):
    pid = farm.status()["backends"]["main.events"]["pid"]
    os.kill(pid, signal.SIGSTOP)
    try:
        result = publish(farm, "net.busy", None, size=12000, n=40)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert result["sent"] + result["dropped"] == 40 and result["dropped"] > 0
    assert result["process_dropped"] >= result["dropped"]
    # Up again: events flow.
    with stream(farm, "topic=net.busy2") as s:
        publish(farm, "net.busy2", 1)
        assert s.next()["data"]["value"] == 1


def test_a_reload_replaces_the_events_server_and_clients_come_back(farm):
    with stream(farm, "topic=net.reload") as s:
        publish(farm, "net.reload", 1)
        last = s.next()["id"]
        farm.ctl("reload")
        assert s.ends(within=30)                  # the old server ends its streams
    wait_for(lambda: farm.status()["backends"]["main.events"]["state"] == "running", within=30)
    with stream(farm, "topic=net.reload", headers={"Last-Event-ID": last}) as s:
        assert s.next() == {"event": "pwww-missed", "data": ["net.reload"]}   # a new epoch
        wait_for(lambda: publish(farm, "net.reload", 2)["sent"] == 1)
        assert s.next()["data"]["value"] == 2


def test_the_publish_socket_is_the_supervisors_and_outlives_the_events_server(farm):
    path = farm.root / "var" / "run" / "events" / "main.sock"
    before = path.stat()
    assert (before.st_uid, stat.S_IMODE(before.st_mode), stat.S_ISSOCK(before.st_mode)) == (0, 0o666, True)
    old = farm.status()["backends"]["main.events"]["pid"]
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: farm.status()["backends"]["main.events"]["pid"] not in (None, old)
             and farm.status()["backends"]["main.events"]["state"] == "running", within=30)
    assert path.stat().st_ino == before.st_ino          # the same socket, handed to the new one
    with stream(farm, "topic=net.again") as s:
        wait_for(lambda: publish(farm, "net.again", 1)["sent"] == 1)
        assert s.next()["data"]["value"] == 1
