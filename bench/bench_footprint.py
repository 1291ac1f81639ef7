"""Memory of the demo farm: idle with every backend running, asleep, and after a burst of requests.

Starts the demo site (demo/etc) in a throw-away farm like the browser tests do (this run's test
users, a free port, a scratch directory), logs in as the first admin so that protected routes are
answered by their own backends, and measures every process of the farm (the supervisor and all
its descendants) from /proc/<pid>/smaps_rollup:

  idle      every backend woken by one request to each of its routes, then left alone
  busy      right after REQUESTS requests spread over every backend's routes
  sleeping  once the on-demand backends have stopped (as after their idle time) and the pools of
            the others have shrunk back to their fewest workers
  cold      one request to each on-demand backend while it is stopped: the time to its answer

The on-demand backends are stopped with `websitectl sleep` (what their idle_timeout does after five
minutes) rather than waited for; everything else is the demo's configuration as committed.

    .venv-bench/bin/python bench/bench_footprint.py [--requests N] [--set KEY=TOML ...]
"""
import argparse
import http.client
import os
import re
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO)]

import demofarm                                                 # noqa: E402
import farmkit                                                  # noqa: E402
from bench_hello import run_bench                               # noqa: E402
from pages import alone_pss                                     # noqa: E402
from pycopia_www.farm import procfs                             # noqa: E402

FARM_PYTHON = REPO / ".venv" / "bin" / "python"      # the farm's own venv, not the bench's peers
ADMIN, PASSWORD = "admin", "footprint-bench-pw-1"
MB = 1024.0                                          # smaps_rollup counts KiB


# ----- the farm's processes and their memory --------------------------------------------------

def farm_processes(farm: farmkit.Farm) -> dict[int, str]:
    """pid -> what it is (supervisor, lighttpd, ident master, ident worker), for every process
    of the farm: the supervisor and all its descendants."""
    status = farm.status()
    sup = status["supervisor"]["pid"]
    roles = {sup: "supervisor"}
    if status["lighttpd"]["pid"]:
        roles[status["lighttpd"]["pid"]] = "lighttpd"
    for ident, b in status["backends"].items():
        if b["pid"]:
            roles[b["pid"]] = f"{ident} master"
        for w in b["workers"]:
            roles[w] = f"{ident} worker"
    return {pid: roles.get(pid, procfs_name(pid)) for pid in [sup, *procfs.descendants_of(sup)]}


def procfs_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def user_of(pid: int) -> str:
    import pwd
    try:
        uid = procfs.ids(pid)["uid"][0]
        return pwd.getpwuid(uid).pw_name
    except (OSError, KeyError):
        return "?"


def cpu_ticks(pids) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total


def settle(farm: farmkit.Farm, quiet_for: float = 1.0, within: float = 20.0) -> None:
    """Wait until the farm's processes use no CPU for `quiet_for` seconds (idle)."""
    deadline = time.monotonic() + within
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        ticks = cpu_ticks(farm_processes(farm))
        if ticks != last:
            last, since = ticks, time.monotonic()
        elif time.monotonic() - since >= quiet_for:
            return
        time.sleep(0.2)


def snapshot(farm: farmkit.Farm) -> list[dict]:
    """Memory of every process of the farm (KiB): pss, uss, rss from smaps_rollup, and alone
    (the pss if nothing but the farm ran on the machine, from pagemap)."""
    processes = farm_processes(farm)
    alone = alone_pss(processes)
    rows = []
    for pid, role in processes.items():
        mem = procfs.memory(pid)
        if mem is not None:
            rows.append({"pid": pid, "role": role, "user": user_of(pid), "alone": alone[pid], **mem})
    return rows


def total(rows, key="pss") -> float:
    return sum(r[key] for r in rows) / MB


# ----- HTTP ---------------------------------------------------------------------------------

class Client:
    """One keep-alive connection with a cookie jar (the session after login)."""

    def __init__(self, port: int, cookies: dict | None = None):
        self.port, self.cookies = port, dict(cookies or {})
        self.conn = None

    def request(self, method, path, host="localhost", body=None, headers=None):
        for attempt in (1, 2):          # lighttpd may close a kept connection between requests
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            h = {"Host": host, **(headers or {})}
            if self.cookies:
                h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
                continue
            for header in resp.headers.get_all("Set-Cookie") or ():
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
            return resp.status, data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def login(self) -> None:
        page = self.request("GET", "/auth/login")[1].decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/auth/login", body=urlencode(
            {"name": ADMIN, "password": PASSWORD, "next": "/", "csrf_token": token}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303:
            raise RuntimeError(f"login as {ADMIN} failed: HTTP {status}")


def literal_path(pattern: str) -> str | None:
    """The one path a route pattern matches if it has no parameters ("^/sys/health$")."""
    inner = pattern.removeprefix("^").removesuffix("$")
    if re.search(r"[()\[\]{}*+?|\\.]", inner):
        return None
    return inner


def backend_urls(farm: farmkit.Farm) -> dict[str, list[tuple[str, str]]]:
    """ident -> [(host name, path)] of every route without parameters, from `websitectl urls`;
    for an events backend (no routes), its prefix: a GET without a topic is answered 400, by the
    events server (which it starts, on demand)."""
    hosts = {}
    urls: dict[str, list[tuple[str, str]]] = {ident: [] for ident in farm.status()["backends"]}
    for file in (farm.root / "etc" / "backends.d").glob("*.toml"):
        vhost = tomllib.loads(file.read_text())
        hosts[file.stem] = (vhost.get("hosts") or ["127.0.0.1"])[0]
        for b in vhost.get("backend", ()):
            if b.get("kind") == "events" and f"{file.stem}.{b['name']}" in urls:
                urls[f"{file.stem}.{b['name']}"].append((hosts[file.stem], b["prefix"]))
    for line in farm.ctl("urls").stdout.splitlines()[1:]:
        host, ident, pattern = line.split()[:3]
        path = literal_path(pattern)
        if path is not None and ident in urls:
            urls[ident].append((hosts[host], path))
    return urls


def answered(status: int) -> bool:
    """The backend answered (a 4xx for a GET on a POST-only route is an answer too)."""
    return status < 500


def burst(port: int, cookies: dict, targets: list[tuple[str, str]], count: int, clients: int = 8):
    """`count` GETs over `targets` round-robin from `clients` threads; returns the failures."""
    failures, lock = [], threading.Lock()
    jobs = iter(range(count))

    def run():
        client = Client(port, cookies)
        while True:
            with lock:
                n = next(jobs, None)
            if n is None:
                break
            host, path = targets[n % len(targets)]
            try:
                status, body = client.request("GET", path, host)
                if not answered(status):
                    with lock:
                        failures.append(f"{host}{path}: HTTP {status} {body[:80]!r}")
            except OSError as exc:
                with lock:
                    failures.append(f"{host}{path}: {exc}")
        client.close()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


# ----- the run ------------------------------------------------------------------------------

def states(farm) -> dict[str, str]:
    return {ident: b["state"] for ident, b in farm.status()["backends"].items()}


def put_to_sleep(farm, idents) -> None:
    """Stop the on-demand backends as their idle time would (websitectl sleep), and wait."""
    for ident in idents:
        farm.ctl("sleep", ident)
    farmkit.wait_for(lambda: all(states(farm)[i] == "idle-stopped" for i in idents), 60,
                     "the on-demand backends to stop")


def overridden(settings: dict):
    """A tweak for demofarm.adapt_vhost: keys set in the demo's backends, to measure what a
    setting gives. "KEY" applies to every application backend (not to an events backend, which
    takes none of these), "NAME.KEY" to the backend NAME; start = "always" also drops
    idle_timeout, which it does not allow."""
    def tweak(backend: dict) -> dict:
        for key, value in settings.items():
            name, _, key = key.rpartition(".")
            if name == backend["name"] or (not name and backend.get("kind") != "events"):
                backend = {**backend, key: value}
        if backend.get("start", "always") == "always":
            backend.pop("idle_timeout", None)
        return backend
    return tweak


def pools_back(farm) -> bool:
    """Every running backend is down to its fewest workers again (the burst's extra workers
    leave after 30 s idle)."""
    return all(len(b["workers"]) <= b["pool"][0] for b in farm.status()["backends"].values()
               if b["state"] == "running" and b.get("pool"))


def measure(args) -> dict:
    subprocess.run([str(FARM_PYTHON), str(REPO / "scripts" / "byte-compile")], check=True)
    farm = demofarm.demo_farm(overridden(args.set), python=str(FARM_PYTHON))
    try:
        os.environ["ADMIN_PASSWORD"] = PASSWORD      # websitectl setup makes the first admin
        farm.start()
        urls = backend_urls(farm)
        on_demand = [i for i, b in farm.status()["backends"].items() if b["start"] == "on-demand"]
        session = Client(farm.port)
        session.login()
        targets = [t for ts in urls.values() for t in ts]
        # Every backend woken and every route answered once, then left alone.
        if failures := burst(farm.port, session.cookies, targets, len(targets), clients=1):
            raise RuntimeError(f"requests failed: {failures[:5]}")
        farmkit.wait_for(lambda: set(states(farm).values()) == {"running"}, 60, "every backend running")
        settle(farm)
        idle = snapshot(farm)
        t0 = time.monotonic()
        failures = burst(farm.port, session.cookies, targets, args.requests)
        burst_s = time.monotonic() - t0
        busy = snapshot(farm)
        if failures:
            raise RuntimeError(f"{len(failures)} of {args.requests} requests failed: {failures[:5]}")
        cold, sleeping = {}, idle
        if on_demand:
            put_to_sleep(farm, on_demand)
            farmkit.wait_for(lambda: pools_back(farm), 120, "the pools to shrink back")
            settle(farm)
            sleeping = snapshot(farm)
            for ident in on_demand:
                put_to_sleep(farm, on_demand)
                settle(farm)
                host, path = urls[ident][0]
                client = Client(farm.port, session.cookies)
                t0 = time.monotonic()
                status, _ = client.request("GET", path, host)
                cold[ident] = (time.monotonic() - t0) * 1000.0
                client.close()
                if not answered(status):
                    raise RuntimeError(f"cold request to {ident} ({host}{path}): HTTP {status}")
        return {"idle": idle, "busy": busy, "sleeping": sleeping, "cold": cold, "burst_s": burst_s,
                "urls": urls}
    except BaseException:
        sys.stderr.write(farm.logs()[-6000:])
        raise
    finally:
        farm.cleanup()
        farmkit.remove_run_accounts()


def bare_interpreters(count: int) -> dict:
    """The floor under the idle number: `count` interpreters of the farm's Python started as
    its backends are (-I) that import nothing and wait, measured like the farm's processes
    (after the farm has stopped, so that they share the interpreter's pages only with each other).
    Each backend is its own interpreter under its own uid, so no farm of that many processes
    can take less than this."""
    procs = [subprocess.Popen([str(FARM_PYTHON), "-I", "-c", "import sys; sys.stdin.read()"],
                              stdin=subprocess.PIPE) for _ in range(count)]
    try:
        time.sleep(1.0)
        pids = {p.pid: "bare" for p in procs}
        alone = alone_pss(pids)
        mems = [procfs.memory(pid) for pid in pids]
        return {"pss": sum(m["pss"] for m in mems) / MB, "alone": sum(alone.values()) / MB}
    finally:
        for p in procs:
            p.stdin.close()
        for p in procs:
            p.wait(10)


def print_table(title: str, rows: list[dict]) -> None:
    print(f"{title}: {len(rows)} processes, pss {total(rows):.1f} MB (alone {total(rows, 'alone'):.1f}), "
          f"uss {total(rows, 'uss'):.1f} MB, rss {total(rows, 'rss'):.1f} MB")
    print(f"  {'process':<28}{'pid':>8}  {'user':<22}{'pss MB':>8}{'alone':>8}{'uss MB':>8}{'rss MB':>8}")
    for r in sorted(rows, key=lambda r: (r["role"] != "supervisor", r["role"], r["pid"])):
        print(f"  {r['role']:<28}{r['pid']:>8}  {r['user'][:21]:<22}{r['pss'] / MB:>8.1f}"
              f"{r['alone'] / MB:>8.1f}{r['uss'] / MB:>8.1f}{r['rss'] / MB:>8.1f}")


TARGETS = {"idle": 60, "sleeping": 20, "cold": 500}      # issue 14


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=TOML",
                        help='set a key of every demo backend (or of one: NAME.KEY), e.g. '
                             '--set workers=2, --set ui.start=\'"on-demand"\' (a TOML value)')
    args = parser.parse_args()
    args.set = {k: tomllib.loads(f"v = {v}")["v"] for k, v in (item.split("=", 1) for item in args.set)}
    if not farmkit.is_root():
        sys.exit("bench_footprint needs root: the demo farm creates its users and drops privileges")
    if not FARM_PYTHON.exists():
        sys.exit(f"bench_footprint: {FARM_PYTHON} is missing (make install)")
    r = measure(args)
    print_table("idle, every backend running", r["idle"])
    print_table(f"busy, after {args.requests} requests ({args.requests / r['burst_s']:.0f}/s)", r["busy"])
    print_table("sleeping, on-demand backends stopped", r["sleeping"])
    if r["cold"]:
        print("cold first request to a stopped backend: " +
              ", ".join(f"{ident} {ms:.0f} ms" for ident, ms in r["cold"].items()))
    pythons = sum(1 for row in r["idle"] if row["role"] != "lighttpd")
    bare = bare_interpreters(pythons)
    front = sum(row["pss"] for row in r["idle"] if row["role"] == "lighttpd") / MB
    print(f"floor: {pythons} interpreters importing nothing (one per Python process of the idle "
          f"farm): pss {bare['pss']:.1f} MB (alone {bare['alone']:.1f}), and lighttpd {front:.1f}")
    cold = max(r["cold"].values()) if r["cold"] else float("nan")
    idle, sleeping = total(r["idle"]), total(r["sleeping"])
    print(f"targets (docs/performance.md): idle <= {TARGETS['idle']} MB {_met(idle <= TARGETS['idle'])}, "
          f"sleeping <= {TARGETS['sleeping']} MB {_met(sleeping <= TARGETS['sleeping'])}, "
          f"cold <= {TARGETS['cold']} ms {_met(cold <= TARGETS['cold'])}")
    print(f"bench footprint: idle_pss_mb={idle:.1f} sleeping_pss_mb={sleeping:.1f} "
          f"busy_pss_mb={total(r['busy']):.1f} processes={len(r['idle'])} cold_ms={cold:.0f} "
          f"idle_alone_mb={total(r['idle'], 'alone'):.1f} sleeping_alone_mb={total(r['sleeping'], 'alone'):.1f} "
          f"bare_pss_mb={bare['pss']:.1f}")


if __name__ == "__main__":
    run_bench(main, "bench_footprint")
