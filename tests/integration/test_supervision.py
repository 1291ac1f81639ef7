"""Supervision: restarts after kill -9 under load, graceful reload, giving up, clean stop."""
import os
import signal
import time

import pytest

from farmkit import Farm, Load, kill, wait_for
from pycopia_www.farm.procfs import alive

HOST = """\
    hosts = ["localhost"]
    default = true

    [[backend]]
    name = "ui"
    user = "pwww-t-ui"
    prefix = "/"
    app = "testapps:whoami"
    workers = 2
    pythonpath = ["@APPS@"]

    [[backend]]
    name = "slow"
    user = "pwww-t-api"
    prefix = "/slow"
    app = "testapps:slow"
    workers = 2
    pythonpath = ["@APPS@"]
    """


# The same backends started on demand: the first request starts each (an idle time longer than
# any test, so that only kills and reloads stop them).
ON_DEMAND_HOST = HOST.replace('    pythonpath = ["@APPS@"]\n',
                              '    pythonpath = ["@APPS@"]\n    start = "on-demand"\n    idle_timeout = 300\n')


@pytest.fixture
def farm():
    f = Farm({"site": HOST})
    try:
        yield f.start()
    finally:
        f.cleanup()


@pytest.fixture(params=["always", "on-demand"])
def both_modes(request):
    """The farm with its backends started with it, or on demand (then woken by a request)."""
    text = HOST if request.param == "always" else ON_DEMAND_HOST
    f = Farm({"site": text})
    f.host_text = text
    try:
        f.start()
        if request.param == "on-demand":
            assert f.status()["backends"]["site.ui"]["state"] == "idle-stopped"
            f.wait_until_serving("/")
            f.wait_until_serving("/slow?0")
        yield f
    finally:
        f.cleanup()


def test_kill_worker_under_load(both_modes):
    farm = both_modes
    before = farm.status()["backends"]["site.ui"]
    with Load(farm, "/") as load:
        kill(before["workers"][0])
        wait_for(lambda: len(set(farm.status()["backends"]["site.ui"]["workers"]) - set(before["workers"])) >= 1)
        time.sleep(0.5)
    after = farm.status()["backends"]["site.ui"]
    assert len(after["workers"]) == 2 and before["workers"][0] not in after["workers"]
    assert after["pid"] == before["pid"]
    assert load.ok > 0 and load.longest_outage() < 2.0, load.failures[:5]


def test_kill_master_under_load(both_modes):
    farm = both_modes
    before = farm.status()["backends"]["site.ui"]
    with Load(farm, "/") as load:
        kill(before["pid"])
        after = wait_for(lambda: (s := farm.status()["backends"]["site.ui"])["pid"] not in (None, before["pid"])
                          and s["state"] == "running" and len(s["workers"]) == 2 and s)
        time.sleep(0.5)
    assert after["restarts"] == before["restarts"] + 1
    assert load.ok > 0 and load.longest_outage() < 2.0, load.failures[:5]
    farm.wait_until_serving("/", within=2.0)


def test_kill_lighttpd_under_load(both_modes):
    farm = both_modes
    before = farm.status()["lighttpd"]
    with Load(farm, "/") as load:
        kill(before["pid"])
        wait_for(lambda: farm.status()["lighttpd"]["pid"] not in (None, before["pid"]))
        time.sleep(1.0)
    after = farm.status()["lighttpd"]
    assert after["restarts"] == before["restarts"] + 1 and after["state"] == "running"
    assert load.ok > 0 and load.longest_outage() < 2.0, load.failures[:5]


def test_reload_under_load_fails_no_request(both_modes):
    farm = both_modes
    before = farm.status()["backends"]
    with Load(farm, "/") as load, Load(farm, "/slow?0.3", clients=2) as slow:
        # Change the configuration: more workers for ui, an environment change for slow.
        farm.write_vhost("site", farm.host_text.replace('workers = 2', 'workers = 3', 1))
        out = farm.ctl("reload").stdout
        assert "reloaded" in out
        time.sleep(1.0)
    after = farm.status()["backends"]
    assert after["site.ui"]["pid"] != before["site.ui"]["pid"]
    assert len(after["site.ui"]["workers"]) == 3
    assert after["site.slow"]["pid"] != before["site.slow"]["pid"]
    assert load.failures == [] and slow.failures == []
    assert load.ok > 10 and slow.ok > 2


def test_reload_adding_a_backend_reconfigures_lighttpd_without_failures(farm):
    extra = ('\n    [[backend]]\n    name = "extra"\n    user = "pwww-t-docs"\n    prefix = "/extra"\n'
             '    app = "testapps:whoami"\n    workers = 1\n    pythonpath = ["@APPS@"]\n')
    with Load(farm, "/") as load:
        farm.write_vhost("site", HOST + extra)
        farm.ctl("setup")       # the new backend's state directory and user
        farm.ctl("reload")
        wait_for(lambda: farm.json("/extra/x")["ident"] == "site.extra")
    assert load.failures == [] and load.ok > 10


def test_bad_config_on_reload_keeps_old_running(farm):
    before = farm.status()["backends"]["site.ui"]
    farm.write_vhost("site", HOST.replace('prefix = "/slow"', "match = '^/(broken'"))
    proc = farm.ctl("reload", check=False)
    assert proc.returncode == 2
    assert "site.toml" in proc.stderr and "backend[1].match" in proc.stderr
    assert farm.status()["backends"]["site.ui"]["pid"] == before["pid"]
    assert farm.json("/")["ident"] == "site.ui"


def test_stop_leaves_nothing_behind(both_modes):
    farm = both_modes
    status = farm.status()
    pids = [status["supervisor"]["pid"], status["lighttpd"]["pid"]]
    for b in status["backends"].values():
        pids += [b["pid"], *b["workers"]]
    farm.ctl("stop")
    run = farm.root / "var" / "run"
    assert list((run / "sockets").iterdir()) == []
    assert not (run / "websitectl.pid").exists() and not (run / "websitectl.sock").exists()
    for pid in pids:
        assert not alive(pid), f"pid {pid} survived stop"   # (a zombie awaiting init counts as gone)
    assert farm.status() == {"running": False}


def test_sigterm_drains_in_flight_request(farm):
    import threading
    result = {}
    t = threading.Thread(target=lambda: result.update(answer=farm.request("/slow?1.5")))
    t.start()
    time.sleep(0.4)
    farm.ctl("stop")
    t.join(10)
    assert result["answer"] == (200, b"slow done")


def test_broken_backend_is_given_up_and_reported():
    f = Farm({"site": HOST + ('\n    [[backend]]\n    name = "broken"\n    user = "pwww-t-docs"\n'
                              '    prefix = "/broken"\n    app = "broken"\n    workers = 1\n'
                              '    pythonpath = ["@APPS@"]\n')})
    try:
        f.ctl("setup")
        f.ctl("start", check=False)       # reports the failed backend and exits 1
        status = wait_for(lambda: (s := f.status())["backends"]["site.broken"]["state"] == "failed" and s)
        assert status["backends"]["site.broken"]["restarts"] >= 3
        assert status["backends"]["site.ui"]["state"] == "running"
        assert f.json("/")["ident"] == "site.ui"        # the rest keeps serving
        assert f.ctl("status", check=False).returncode == 1
        assert "giving up" in (f.root / "var" / "log" / "websitectl.log").read_text()
    finally:
        f.cleanup()


BAD_CONFIGS = {
    "unknown key": (HOST.replace("workers = 2", "wrokers = 2", 1), "backend[0].wrokers", "unknown key"),
    "missing user": (HOST.replace('user = "pwww-t-ui"', 'user = "pwww-no-such-user"'),
                     "backend[0].user", "does not exist"),
    "duplicate prefix": (HOST.replace('prefix = "/slow"', 'prefix = "/"'), "backend[1].prefix", "duplicate"),
    "bad regex": (HOST.replace('prefix = "/slow"', "match = '^/(x'"), "backend[1].match", "regular expression"),
    "missing app module": (HOST.replace('app = "testapps:slow"', 'app = "no.such.module"'),
                           "backend[1].app", "not found"),
    "app import fails": (HOST.replace('app = "testapps:slow"', 'app = "unimportable"'),
                         "backend[1].app", "RuntimeError: cannot be imported"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_starts_nothing(case):
    text, key, problem = BAD_CONFIGS[case]
    f = Farm({"site": text})
    try:
        if case != "missing user":
            f.ctl("setup", check=False)   # users exist, so the check reaches the real problem
        proc = f.ctl("start", check=False)
        assert proc.returncode == 2
        assert "site.toml" in proc.stderr and key in proc.stderr and problem in proc.stderr, proc.stderr
        assert not (f.root / "var" / "run" / "websitectl.pid").exists()
        sockets = f.root / "var" / "run" / "sockets"
        assert not sockets.exists() or list(sockets.iterdir()) == []
    finally:
        f.cleanup()


def test_unwritable_directory_starts_nothing():
    f = Farm({"site": HOST}, farm_extra="")
    text = f.farm_file.read_text().replace("[supervision]", 'log_dir = "/proc/pwww-logs"\n[supervision]')
    f.farm_file.write_text(text)
    try:
        proc = f.ctl("start", check=False)
        assert proc.returncode == 2
        assert "farm.toml" in proc.stderr and "log_dir" in proc.stderr, proc.stderr
        assert not (f.root / "var" / "run" / "websitectl.pid").exists()
    finally:
        f.cleanup()


def test_sighup_reloads_like_websitectl_reload(farm):
    before = farm.status()
    os.kill(before["supervisor"]["pid"], signal.SIGHUP)
    after = wait_for(lambda: (s := farm.status())["supervisor"]["generation"] == 1
                      and not s["backends"]["site.ui"]["reloading"] and s)
    assert after["backends"]["site.ui"]["pid"] != before["backends"]["site.ui"]["pid"]
    assert farm.json("/")["ident"] == "site.ui"


def test_a_restarted_backend_runs_the_configuration_the_farm_validated(farm):
    """An edit nobody reloaded must not reach a backend that happens to restart: it still runs
    the configuration (user, workers, environment) the supervisor checked."""
    before = farm.status()["backends"]["site.ui"]
    assert farm.json("/")["greeting"] == ""
    farm.write_vhost("site", HOST.replace('pythonpath = ["@APPS@"]',
                                          'pythonpath = ["@APPS@"]\n    environment = { GREETING = "edited" }', 1))
    kill(before["pid"])
    wait_for(lambda: (s := farm.status()["backends"]["site.ui"])["pid"] not in (None, before["pid"])
              and s["state"] == "running")
    farm.wait_until_serving("/")
    assert farm.json("/")["greeting"] == ""
    farm.ctl("reload")
    wait_for(lambda: farm.json("/")["greeting"] == "edited")


def test_urls_and_url_never_import_route_modules_as_root():
    f = Farm({"site": """\
        hosts = ["localhost"]
        default = true

        [[backend]]
        name = "ui"
        user = "pwww-t-ui"
        prefix = "/"
        app = "rootshy_urls"
        workers = 1
        pythonpath = ["@APPS@"]
        """})
    try:
        f.ctl("setup")
        rows = f.ctl("urls").stdout
        assert "rootshy_urls.item" in rows and r"^/item/(?P<n>\d+)$" in rows
        assert f.ctl("url", "item", "n=7").stdout.strip() == "/item/7"
    finally:
        f.cleanup()
