"""An events backend started on demand and the backends its listeners wake, on a real farm:
the events server starts at the first stream and stops when no stream has been open for its
idle_timeout; what is published meanwhile is dropped at once, not queued for a later server;
a subscriber to a backend's wake topic starts that backend, keeps it running while it listens
(its periodic task publishing), and it stops idle_timeout after the last listener has gone."""
import json
import time
from urllib.parse import quote

import pytest

from farmkit import Farm, wait_for
from sse_client import EventStream

SITE = """\
    hosts = ["localhost"]
    default = true
    [auth]
    backend = "auth"

    [[backend]]
    name = "auth"
    user = "pwww-t-auth"
    prefix = "/auth"
    app = "pycopia_www.auth.urls"
    workers = 1
    pythonpath = ["@APPS@"]

    [[backend]]
    name = "pub"
    user = "pwww-t-pub"
    prefix = "/pub"
    app = "publisher:application"
    publish = ["net.*"]
    workers = 1
    pythonpath = ["@APPS@"]

    [[backend]]
    name = "ticker"
    user = "pwww-t-api"
    prefix = "/ticker"
    app = "ticker:application"
    workers = 1
    start = "on-demand"
    idle_timeout = 2
    publish = ["net.tick"]
    wake_topics = ["net.tick"]
    pythonpath = ["@APPS@"]

    [[backend]]
    name = "events"
    kind = "events"
    user = "pwww-t-events"
    prefix = "/events"
    auth = "optional"
    topics = { "net.*" = [] }
    start = "on-demand"
    idle_timeout = 2
    """


@pytest.fixture(scope="module")
def farm():
    f = Farm({"site": SITE})
    try:
        yield f.start()
    finally:
        f.cleanup()


def state(farm, name) -> dict:
    return farm.status()["backends"][f"site.{name}"]


def stopped(farm, name, within=30):
    return wait_for(lambda: state(farm, name)["state"] == "idle-stopped", within=within,
                    what=f"{name} idle-stopped")


def publish(farm, topic, value, n=1) -> dict:
    status, body = farm.request(f"/pub?topic={quote(topic)}&value={quote(json.dumps(value))}&n={n}",
                                timeout=60)
    assert status == 200, body
    return json.loads(body)


def stream(farm, topic) -> EventStream:
    return EventStream(farm.port, f"/events?topic={topic}", timeout=30)


def publish_socket(farm):
    return farm.root / "var" / "run" / "events" / "site.sock"


def test_the_events_backend_starts_at_the_first_stream_and_stops_when_none_is_open(farm):
    stopped(farm, "events")
    assert state(farm, "events")["pid"] is None and not publish_socket(farm).exists()
    with stream(farm, "net.first") as s:
        assert s.status == 200
        running = state(farm, "events")
        assert running["state"] == "running" and running["pid"]
        wait_for(lambda: publish(farm, "net.first", 1)["sent"] == 1, within=30)
        assert s.next()["data"]["value"] == 1
    stopped(farm, "events")
    assert not publish_socket(farm).exists() and state(farm, "events")["restarts"] == 0
    log = (farm.root / "var" / "log" / "websitectl.log").read_text()
    assert "site.events: a connection is waiting; starting it" in log
    assert "site.events: stopped while idle" in log


def test_publishing_while_it_is_stopped_is_dropped_and_never_delivered_later(farm):
    stopped(farm, "events")
    result = publish(farm, "net.stale", "stale", n=5)
    assert result["sent"] == 0 and result["dropped"] == 5      # refused, not queued
    assert state(farm, "events")["state"] == "idle-stopped"     # and it woke nothing
    with stream(farm, "net.stale") as s:
        wait_for(lambda: publish(farm, "net.stale", "fresh")["sent"] == 1, within=30)
        assert s.next()["data"]["value"] == "fresh"             # no stale event before it
    stopped(farm, "events")


def test_its_periodic_task_runs_only_while_its_topic_has_listeners(farm):
    stopped(farm, "ticker")
    first = farm.json("/ticker")                    # started by a request: nobody listens
    time.sleep(1.0)                                 # five periods of its task
    again = farm.json("/ticker")
    assert again["pid"] == first["pid"] and again["sent"] == again["dropped"] == 0
    assert state(farm, "ticker")["listened"] == []


def test_a_listener_wakes_the_backend_it_listens_to_which_stays_up_until_it_has_gone(farm):
    stopped(farm, "ticker")
    with stream(farm, "net.tick") as s:
        first = s.next()["data"]["value"]["pid"]         # the listener alone started it
        ticker = state(farm, "ticker")
        assert ticker["state"] == "running" and ticker["listened"] == ["net.tick"]
        assert first in ticker["workers"]
        # Listening for three times its idle_timeout: the same process publishes all along.
        until = time.monotonic() + 6
        while time.monotonic() < until:
            assert s.next()["data"]["value"]["pid"] == first
        assert state(farm, "ticker")["restarts"] == 0
    stopped(farm, "ticker")
    assert state(farm, "ticker")["listened"] == []
    stopped(farm, "events")
    log = (farm.root / "var" / "log" / "websitectl.log").read_text()
    assert "site.ticker: net.tick has subscribers; starting it" in log
