"""The prefork pool: workers, recycling, respawning, draining, timeouts.

Each test gets its own serve() in a subprocess (its master is the subprocess itself), once with
our record I/O and once with flup's.
"""
import os
import signal
import socket
import threading
import time

import pytest

from pycopia_www.privileges import backend_short_name

import fcgi_client as fc


@pytest.fixture(params=["lean", "flup"])
def start(request, tmp_path):
    servers = []

    def start(**options):
        options.setdefault("workers", 2)
        srv = fc.Server(tmp_path, "fcgi_client:app", record_io=request.param, **options)
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        code = srv.stop()
        assert code is not None, f"serve() did not return on SIGTERM:\n{srv.output()}"


def in_background(fn, *args, **kw):
    """Run fn in a thread; returns a callable that joins it and gives fn's result or exception."""
    box = {}

    def run():
        try:
            box["result"] = fn(*args, **kw)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join(timeout=15):
        thread.join(timeout)
        assert not thread.is_alive(), "background request did not finish"
        if "error" in box:
            raise box["error"]
        return box["result"]
    return join


def test_workers_are_direct_children_with_names(start):
    srv = start(workers=3)
    pids = srv.worker_pids()
    assert len(pids) == 3

    def named(pid):
        with open(f"/proc/{pid}/comm") as f, open(f"/proc/{pid}/cmdline", "rb") as g:
            # ps -e shows the short name (the backend's, whole), ps -f the full title
            return (f.read().strip() == backend_short_name("test")
                    and g.read().startswith(b"pwww-test-worker"))
    assert fc.wait_for(lambda: all(named(pid) for pid in pids), 2)
    served = {int(fc.get(srv.path, "/pid").body) for _ in range(30)}
    assert served <= set(pids)


def test_short_process_names_keep_the_backend_name_whole():
    assert backend_short_name("appliance.ui") == "ui@appliance"
    assert backend_short_name("appliance.auth") == "auth@appliance"       # ps showed "pwww-appliance."
    assert backend_short_name("a-very-long-host-name.db") == "db@a-very-long-"
    assert backend_short_name("test") == "test"


def test_max_requests_recycles_the_worker(start):
    srv = start(workers=1, max_requests=3)
    first = [int(fc.get(srv.path, "/pid").body) for _ in range(3)]
    assert len(set(first)) == 1
    assert fc.wait_for(lambda: srv.worker_pids() and srv.worker_pids() != first[:1], 3)
    after = [int(fc.get(srv.path, "/pid").body) for _ in range(3)]
    assert len(set(after)) == 1 and after[0] != first[0]
    assert fc.wait_for(lambda: srv.worker_pids() and srv.worker_pids() != after[:1], 3)


def test_killed_worker_is_respawned(start):
    srv = start(workers=2)
    victim = srv.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    t0 = time.monotonic()
    assert fc.wait_for(lambda: len(srv.worker_pids()) == 2 and victim not in srv.worker_pids(), 2)
    assert time.monotonic() - t0 < 1.0
    for _ in range(10):
        assert fc.get(srv.path, "/hello").status == 200


def test_workers_exit_when_the_master_is_killed(start):
    srv = start(workers=2)
    workers = srv.worker_pids()
    os.kill(srv.pid, signal.SIGKILL)
    assert fc.wait_for(lambda: not any(fc.alive(p) for p in workers), 3)


def test_idle_sigterm_exits_promptly(start):
    srv = start(workers=2)
    workers = srv.worker_pids()
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    assert srv.proc.wait(5) == 0
    assert time.monotonic() - t0 < 2.0
    assert "serve returned" in srv.output()
    assert not any(fc.alive(p) for p in workers)


def test_sigint_drains_like_sigterm(start):
    srv = start(workers=2)
    os.killpg(srv.pid, signal.SIGINT)             # Ctrl-C reaches master and workers
    assert srv.proc.wait(5) == 0
    assert "serve returned" in srv.output()


def test_sigterm_lets_the_request_in_flight_finish(start):
    srv = start(workers=2)
    slow = in_background(fc.get, srv.path, "/slow", query="1.5")
    time.sleep(0.5)                                # the request is running now
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    # The idle worker leaves at once; the master waits for the busy one.
    assert fc.wait_for(lambda: len(srv.worker_pids()) == 1, 0.5)
    assert srv.proc.poll() is None
    reply = slow()
    assert reply.status == 200 and reply.body.startswith(b"slow done")
    assert srv.proc.wait(5) == 0
    assert 0.5 < time.monotonic() - t0 < 3.0
    assert "serve returned" in srv.output()


def test_sigterm_closes_an_idle_kept_connection(start):
    srv = start(workers=1)
    with fc.Client(srv.path) as c:
        assert c.request("/hello", keep=True).status == 200
        t0 = time.monotonic()
        srv.signal(signal.SIGTERM)
        assert c.closed_by_server()
        assert srv.proc.wait(5) == 0
        assert time.monotonic() - t0 < 2.0


def test_kept_connection_does_not_starve_the_backlog(start):
    srv = start(workers=1)
    with fc.Client(srv.path) as kept:
        assert kept.request("/hello", keep=True).status == 200
        t0 = time.monotonic()
        assert fc.get(srv.path, "/hello").status == 200     # the only worker lets go of `kept`
        assert time.monotonic() - t0 < 1.0


def test_busy_workers_never_drop_connections(start):
    srv = start(workers=1)
    clients = [fc.Client(srv.path) for _ in range(12)]
    try:
        for c in clients:
            c.send(fc.request_bytes(fc.cgi_params("/slow", query="0.05")))
        replies = [c.reply() for c in clients]        # waited in the backlog, all answered
    finally:
        for c in clients:
            c.close()
    assert [r.status for r in replies] == [200] * 12


def test_timeout_answers_504_and_replaces_the_worker(start):
    srv = start(workers=1, request_timeout=1)
    before = srv.worker_pids()
    t0 = time.monotonic()
    reply = fc.get(srv.path, "/slow", query="5")
    assert reply.status == 504
    assert 0.9 < time.monotonic() - t0 < 2.0
    assert fc.wait_for(lambda: srv.worker_pids() and srv.worker_pids() != before, 2)
    assert fc.get(srv.path, "/hello").status == 200
    assert "answered 504" in srv.output()


def test_timeout_is_not_swallowed_by_except_exception(start):
    srv = start(workers=1, request_timeout=1)
    assert fc.get(srv.path, "/catchall", query="5").status == 504


def test_backstop_kills_a_worker_that_ignores_the_timer(start):
    srv = start(workers=1, request_timeout=1)
    before = srv.worker_pids()
    t0 = time.monotonic()
    with pytest.raises(EOFError):
        fc.get(srv.path, "/nosignals", query="20")   # killed: no answer, connection closed
    assert 2.5 < time.monotonic() - t0 < 5.0        # timeout 1 s + 2 s grace, 1 s tick
    assert fc.wait_for(lambda: srv.worker_pids() and srv.worker_pids() != before, 2)
    assert fc.get(srv.path, "/hello").status == 200
    assert "killing it" in srv.output()


def test_sigterm_during_a_request_past_its_timeout(start):
    srv = start(workers=1, request_timeout=1)
    slow = in_background(fc.get, srv.path, "/slow", query="10")
    time.sleep(0.3)
    srv.signal(signal.SIGTERM)
    assert slow().status == 504                     # the drain does not wait past the timeout
    assert srv.proc.wait(5) == 0


@pytest.mark.parametrize("family, host", [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")])
def test_tcp_listen_socket(start, family, host):
    if not socket.has_ipv6 and family == socket.AF_INET6:
        pytest.skip("no IPv6 in this kernel")
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        sock.listen(16)
        srv = start(workers=2, listen=sock)
        assert fc.get(srv.path, "/hello").body == b"Hello, world!"
        with fc.Client(srv.path) as c:
            assert [c.request("/hello", keep=True, rid=n).status for n in (1, 2)] == [200, 200]


def test_two_masters_share_the_socket_during_a_reload(start, tmp_path):
    """The supervisor's graceful reload: a new master starts on the same socket, the old one
    gets SIGTERM. Under steady load no request may fail, and the new workers take over."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "shared.sock"))
        sock.listen(64)
        old = start(workers=2, listen=sock)
        stop_load = threading.Event()
        pids, failures = [], []

        def load():
            while not stop_load.is_set():
                try:
                    pids.append(int(fc.get(old.path, "/pid").body))
                except Exception as exc:          # anything at all counts as a failed request
                    failures.append(exc)
        threads = [threading.Thread(target=load, daemon=True) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        new = start(workers=2, listen=sock)
        time.sleep(0.3)
        old.signal(signal.SIGTERM)
        assert old.proc.wait(5) == 0
        served_before = len(pids)
        time.sleep(0.5)
        stop_load.set()
        for t in threads:
            t.join(5)
    assert not failures, failures[:3]
    assert len(pids) > served_before                      # the load went on after the switch
    assert set(pids[served_before:]) <= set(new.worker_pids())


# ----- adaptive pools, bounded workers, stopping when idle ------------------------------------

def test_a_range_starts_the_fewest_grows_under_load_and_shrinks_when_idle(start):
    srv = start(min_workers=1, workers=3, retire_after=1.0)
    assert len(srv.worker_pids()) == 1
    clients = [fc.Client(srv.path) for _ in range(6)]
    try:
        for c in clients:       # every request waits 1.5 s: the one worker is busy, the rest queue
            c.send(fc.request_bytes(fc.cgi_params("/slow", query="1.5")))
        assert fc.wait_for(lambda: len(srv.worker_pids()) == 3, 5), srv.output()
        replies = [c.reply() for c in clients]
    finally:
        for c in clients:
            c.close()
    assert [r.status for r in replies] == [200] * 6
    assert "one more" in srv.output()
    # Idle again: the extra workers leave one by one, down to the fewest, and stay there.
    assert fc.wait_for(lambda: len(srv.worker_pids()) == 1, 8), srv.output()
    assert "retired" in srv.output()
    time.sleep(1.5)
    assert len(srv.worker_pids()) == 1
    assert fc.get(srv.path, "/hello").status == 200


def test_a_fixed_pool_neither_grows_nor_shrinks(start):
    srv = start(workers=1, retire_after=0.5)
    clients = [fc.Client(srv.path) for _ in range(3)]
    try:
        for c in clients:
            c.send(fc.request_bytes(fc.cgi_params("/slow", query="0.5")))
        time.sleep(1.0)
        assert len(srv.worker_pids()) == 1
        assert [c.reply().status for c in clients] == [200] * 3
    finally:
        for c in clients:
            c.close()
    assert "one more" not in srv.output()


def test_a_leaking_worker_is_replaced_above_max_rss_and_no_request_fails(start):
    srv = start(workers=1, max_rss=48 << 20)
    first = srv.worker_pids()[0]
    pids, statuses = [], []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(set(pids)) < 2:
        reply = fc.get(srv.path, "/leak", query="4")     # 4 MiB more per request, kept
        statuses.append(reply.status)
        pids.append(int(reply.body))
        time.sleep(0.05)
    assert set(statuses) == {200}, statuses
    assert len(set(pids)) == 2 and pids[0] == first, srv.output()
    log = srv.output()
    assert f"worker {first} is resident in" in log and "above max_rss 48.0 MB" in log, log
    # The replacement starts small again.
    assert fc.get(srv.path, "/pid").status == 200


def test_idle_timeout_returns_idle_and_drains(start):
    srv = start(workers=2, idle_timeout=1.0)
    for _ in range(3):
        assert fc.get(srv.path, "/hello").status == 200
        time.sleep(0.5)                 # requests keep it alive past its idle time
    assert srv.proc.poll() is None
    assert srv.proc.wait(5) == 0
    assert "serve returned: idle" in srv.output() and "no request for" in srv.output()
