"""Footprint: backends started on demand and stopped when idle, pools that grow and shrink,
workers bounded in memory, and what `websitectl status` says about all of it. Real farms."""
import threading
import time

import pytest

from farmkit import Farm, Load, kill, wait_for

ON_DEMAND = """\
    hosts = ["localhost"]
    default = true

    [[backend]]
    name = "ui"
    user = "pwww-t-ui"
    prefix = "/"
    app = "testapps:whoami"
    workers = "1..3"
    start = "on-demand"
    idle_timeout = 2
    pythonpath = ["@APPS@"]

    [[backend]]
    name = "always"
    user = "pwww-t-api"
    prefix = "/always"
    app = "testapps:whoami"
    workers = 1
    pythonpath = ["@APPS@"]

    [[backend]]
    name = "pool"
    user = "pwww-t-api"
    prefix = "/pool"
    app = "testapps:slow"
    workers = "1..3"
    pythonpath = ["@APPS@"]
    """

BROKEN = """
    [[backend]]
    name = "broken"
    user = "pwww-t-docs"
    prefix = "/broken"
    app = "broken"
    workers = 1
    start = "on-demand"
    pythonpath = ["@APPS@"]
    """


def backend(farm, ident="site.ui"):
    return farm.status()["backends"][ident]


@pytest.fixture
def farm():
    f = Farm({"site": ON_DEMAND})
    try:
        yield f.start()
    finally:
        f.cleanup()


def test_on_demand_backend_starts_at_the_first_request_and_stops_when_idle(farm):
    status = farm.status()["backends"]
    assert status["site.ui"]["state"] == "idle-stopped" and status["site.ui"]["pid"] is None
    assert status["site.ui"]["start"] == "on-demand" and status["site.always"]["state"] == "running"
    assert farm.json("/")["ident"] == "site.ui"          # queued by the kernel, then answered
    running = backend(farm)
    assert running["state"] == "running" and len(running["workers"]) == 1
    assert running["memory"]["pss"] > 0 and running["memory"]["rss"] >= running["memory"]["uss"] > 0
    # Two seconds without a request: its master stops itself; the socket stays.
    stopped = wait_for(lambda: (s := backend(farm))["state"] == "idle-stopped" and s, within=8)
    assert stopped["pid"] is None and stopped["restarts"] == 0
    assert (farm.root / "var" / "run" / "sockets" / "site.ui.sock").exists()
    assert farm.json("/")["pid"] != running["workers"][0]     # started again, a new process
    log = (farm.root / "var" / "log" / "websitectl.log").read_text()
    assert log.count("site.ui: a connection is waiting; starting it") == 2
    assert "site.ui: stopped while idle" in log
    assert "no request for" in (farm.root / "var" / "log" / "site.ui.log").read_text()
    table = farm.ctl("status").stdout
    assert "running *" in table and "memory (PSS) of the whole farm" in table


def test_requests_keep_it_running(farm):
    farm.json("/")
    pid = backend(farm)["pid"]
    for _ in range(6):
        time.sleep(0.5)
        farm.json("/")
    assert backend(farm)["pid"] == pid


def test_a_range_of_workers_grows_under_load(farm):
    assert len(backend(farm, "site.pool")["workers"]) == 1
    replies = []
    threads = [threading.Thread(target=lambda: replies.append(farm.request("/pool?1.5", timeout=20)))
               for _ in range(6)]
    for t in threads:
        t.start()
    wait_for(lambda: len(backend(farm, "site.pool")["workers"]) == 3)
    for t in threads:
        t.join(20)
    assert [status for status, _ in replies] == [200] * 6
    assert "one more" in (farm.root / "var" / "log" / "site.pool.log").read_text()


def test_status_says_starting_while_the_application_loads():
    f = Farm({"site": ON_DEMAND.replace('app = "testapps:whoami"\n    workers = "1..3"',
                                        'app = "slowstart"\n    workers = "1..3"')})
    try:
        f.start()
        answer = {}
        t = threading.Thread(target=lambda: answer.update(reply=f.request("/", timeout=20)))
        t.start()
        wait_for(lambda: backend(f)["state"] == "starting")
        t.join(20)
        assert answer["reply"][0] == 200 and backend(f)["state"] == "running"
    finally:
        f.cleanup()


def test_reload_while_stopped_does_not_start_it(farm):
    before = farm.status()["backends"]["site.always"]["pid"]
    farm.write_vhost("site", ON_DEMAND.replace("idle_timeout = 2", "idle_timeout = 3"))
    farm.ctl("reload")
    status = farm.status()["backends"]
    assert status["site.ui"]["state"] == "idle-stopped" and status["site.ui"]["pid"] is None
    assert status["site.always"]["pid"] != before            # the running one was replaced
    assert farm.json("/")["ident"] == "site.ui"


def test_reload_while_it_runs_replaces_it_and_it_still_stops_when_idle(farm):
    farm.json("/")
    before = backend(farm)["pid"]
    farm.ctl("reload")
    after = backend(farm)
    assert after["state"] == "running" and after["pid"] != before
    wait_for(lambda: backend(farm)["state"] == "idle-stopped", within=8)


def test_sleep_and_wake(farm):
    farm.json("/")
    assert farm.ctl("sleep", "site.ui").returncode == 0
    wait_for(lambda: backend(farm)["state"] == "idle-stopped")
    farm.ctl("wake", "site.ui")
    wait_for(lambda: backend(farm)["state"] == "running")
    refused = farm.ctl("sleep", "site.always", check=False)
    assert refused.returncode == 2 and "not an on-demand backend" in refused.stderr
    assert farm.ctl("sleep", "site.nothing", check=False).returncode == 2


def test_kill_under_load_while_on_demand_is_healed(farm):
    farm.json("/")
    with Load(farm, "/") as load:
        before = backend(farm)
        kill(before["pid"])
        wait_for(lambda: (s := backend(farm))["pid"] not in (None, before["pid"])
                  and s["state"] == "running")
        time.sleep(0.5)
    assert load.ok > 0 and load.longest_outage() < 2.0, load.failures[:5]


def test_a_backend_that_fails_to_start_answers_503_and_backs_off():
    f = Farm({"site": ON_DEMAND + BROKEN})
    try:
        f.start()
        assert backend(f, "site.broken")["state"] == "idle-stopped"
        t0 = time.monotonic()
        status, body = f.request("/broken/x", timeout=20)
        assert status == 503 and b"cannot start" in body          # answered, not left hanging
        assert time.monotonic() - t0 < 10
        # Each request after the backoff tries again; after give_up_after (4) it is failed, and
        # still answers 503 at once.
        statuses = []
        wait_for(lambda: statuses.append(f.request("/broken/x", timeout=20)[0])
                  or backend(f, "site.broken")["state"] == "failed", within=30)
        assert set(statuses) == {503}
        assert backend(f, "site.broken")["restarts"] >= 3
        assert f.request("/broken/x", timeout=5)[0] == 503
        assert f.json("/")["ident"] == "site.ui"           # the others are not disturbed
        log = (f.root / "var" / "log" / "websitectl.log").read_text()
        assert "failed to start" in log and "answered 503" in log and "giving up" in log
        assert f.ctl("status", check=False).returncode == 1
    finally:
        f.cleanup()


def test_a_leaking_worker_is_recycled_above_max_rss_without_a_failed_request():
    f = Farm({"site": """\
        hosts = ["localhost"]
        default = true

        [[backend]]
        name = "leaky"
        user = "pwww-t-ui"
        prefix = "/"
        app = "testapps:leak"
        workers = 1
        max_rss = "64M"
        pythonpath = ["@APPS@"]
        """})
    try:
        f.start()
        first = backend(f, "site.leaky")["workers"]
        pids, statuses = [], []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(set(pids)) < 2:
            status, body = f.request("/?4")
            statuses.append(status)
            if status == 200:
                pids.append(int(body))
            time.sleep(0.05)
        assert set(statuses) == {200}
        assert len(set(pids)) == 2 and pids[0] == first[0]
        log = (f.root / "var" / "log" / "site.leaky.log").read_text()
        assert f"worker {first[0]} is resident in" in log and "above max_rss 64.0 MB" in log
    finally:
        f.cleanup()
