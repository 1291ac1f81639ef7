"""Soak: the demo farm under steady load while a chaos loop breaks it, for a bounded time.

    make soak                  (10 minutes; SOAK_MINUTES=3 make soak for less; as root)
    .venv/bin/python bench/soak.py --minutes 3

Load: CLIENTS threads (logged in as the first admin) cycle over every route without parameters
of every backend of the demo, with a short pause between requests. Chaos, one action every few
seconds, picked at random: SIGKILL a worker, a backend master or lighttpd; `websitectl reload`;
`websitectl sleep` (stop an on-demand backend as its idle time would) or `wake`. A process is
only killed once it has been up longer than the farm's stable_after, so that the supervisor's
backoff (a quick failure) is not what is being measured.

A request that fails is counted
  in_flight_at_kill  it was under way when its backend's process (or lighttpd) was killed: the
                     connection it travelled on died with the process
  refused_at_restart it could not connect while lighttpd was being restarted (the port is
                     lighttpd's own until the install issue hands it over from the supervisor)
  failed             any other failure: the number that must be 0
max_outage_ms is the longest time any backend went without a successful answer while requests
for it were being made. Drift compares the first minute with the last (the first and last fifth
of a shorter run): rss_drift_mb the RSS summed over every process of the farm, fd_drift the
supervisor's open file descriptors (the one process that lives through all of it).

The last line:
    soak: requests=<n> failed=<n> max_outage_ms=<x> rss_drift_mb=<y> fd_drift=<z> in_flight_at_kill=<n> ...
"""
import argparse
import errno
import os
import random
import signal
import sys
import threading
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from bench_footprint import (ADMIN, PASSWORD, Client, answered, backend_urls,   # noqa: E402
                             demofarm, farm_processes, farmkit, procfs)
from bench_hello import run_bench                                              # noqa: E402

FARM_PYTHON = HERE.parent / ".venv" / "bin" / "python"
STABLE_AFTER = 3.0          # farmkit's test farms: a process up less than this fails "quickly"


class Record:
    """Every request: (backend, start, end, ok, error kind), and the kills, in time order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[tuple[str, float, float, bool, str]] = []
        self.kills: list[tuple[float, str]] = []        # (time, backend ident or "lighttpd")

    def request(self, ident, start, end, ok, kind=""):
        with self.lock:
            self.requests.append((ident, start, end, ok, kind))

    def kill(self, target):
        with self.lock:
            self.kills.append((time.monotonic(), target))


def load(port, cookies, targets, record: Record, stop: threading.Event, pause: float):
    client = Client(port, cookies)
    n = random.randrange(len(targets))
    while not stop.is_set():
        ident, host, path = targets[n % len(targets)]
        n += 1
        start = time.monotonic()
        try:
            status, _ = client.request("GET", path, host)
            record.request(ident, start, time.monotonic(), answered(status), f"HTTP {status}")
        except OSError as exc:
            client.close()
            refused = isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED
            record.request(ident, start, time.monotonic(), False, "refused" if refused else
                           type(exc).__name__)
        time.sleep(pause)
    client.close()


def chaos(farm, record: Record, stop: threading.Event, every: float, log):
    on_demand = [i for i, b in farm.status()["backends"].items() if b["start"] == "on-demand"]
    last_reload = time.monotonic()
    while not stop.wait(every):
        status = farm.status()
        backends = {i: b for i, b in status["backends"].items() if b["state"] == "running"}
        up = [i for i, b in backends.items() if b["uptime"] > STABLE_AFTER + 1]
        actions = ["worker"] * 3 + ["master"] * 2 + ["lighttpd", "sleep", "wake"]
        if time.monotonic() - last_reload > 30:
            actions.append("reload")
        action = random.choice(actions)
        if action == "worker" and backends:
            ident = random.choice(list(backends))
            if backends[ident]["workers"]:
                record.kill(ident)
                _kill(random.choice(backends[ident]["workers"]))
                log(f"SIGKILL a worker of {ident}")
        elif action == "master" and up:
            ident = random.choice(up)
            record.kill(ident)
            _kill(backends[ident]["pid"])
            log(f"SIGKILL the master of {ident}")
        elif action == "lighttpd" and status["lighttpd"]["uptime"] > STABLE_AFTER + 1:
            record.kill("lighttpd")
            _kill(status["lighttpd"]["pid"])
            log("SIGKILL lighttpd")
        elif action == "reload":
            farm.ctl("reload")
            last_reload = time.monotonic()
            log("websitectl reload")
        elif action in ("sleep", "wake") and on_demand:
            ident = random.choice(on_demand)
            farm.ctl(action, ident)
            log(f"websitectl {action} {ident}")


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, TypeError):
        pass


def sample(farm, samples: list, stop: threading.Event, every: float = 5.0):
    while not stop.wait(every):
        try:
            processes = farm_processes(farm)
            sup = farm.status()["supervisor"]["pid"]
            memory = [m for m in map(procfs.memory, processes) if m]
            samples.append((time.monotonic(), sum(m["rss"] for m in memory) / 1024,
                            sum(m["pss"] for m in memory) / 1024, len(os.listdir(f"/proc/{sup}/fd")),
                            len(processes)))
        except (OSError, KeyError, ValueError):
            pass


def authorizers(farm) -> dict[str, str]:
    """ident -> the ident of the auth backend lighttpd asks first about its requests."""
    out = {}
    for file in (farm.root / "etc" / "backends.d").glob("*.toml"):
        vhost = tomllib.loads(file.read_text())
        holder = vhost.get("auth", {}).get("backend")
        for b in vhost.get("backend", []):
            if holder and b.get("auth"):
                out[f"{file.stem}.{b['name']}"] = f"{file.stem}.{holder}"
    return out


def classify(record: Record, auth: dict[str, str], log) -> dict[str, int]:
    counts = {"requests": len(record.requests), "failed": 0, "in_flight_at_kill": 0,
              "refused_at_restart": 0}
    lighttpd_kills = [t for t, target in record.kills if target == "lighttpd"]
    for ident, start, end, ok, kind in record.requests:
        if ok:
            continue
        involved = (ident, "lighttpd", auth.get(ident))
        if any(start <= t <= end and target in involved for t, target in record.kills):
            counts["in_flight_at_kill"] += 1
        elif kind == "refused" and any(0 <= start - t < 5.0 for t in lighttpd_kills):
            counts["refused_at_restart"] += 1
        else:
            counts["failed"] += 1
            near = min(record.kills, key=lambda k: abs(k[0] - start), default=(start, "nothing"))
            log(f"failed: {ident} {kind} after {end - start:.3f}s; nearest kill: {near[1]} "
                f"{near[0] - start:+.3f}s from its start")
    return counts


def max_outage(record: Record) -> tuple[float, str, float]:
    """The longest time a backend went without a successful answer while it was being asked:
    (milliseconds, which backend, when it began)."""
    longest = (0.0, "-", 0.0)
    by_backend: dict[str, list] = {}
    for ident, start, end, ok, _ in record.requests:
        by_backend.setdefault(ident, []).append((end, start, ok))
    for ident, rows in by_backend.items():
        rows.sort()
        last_ok = None
        for end, start, ok in rows:
            if ok:
                if last_ok is not None:
                    began = max(last_ok, start)
                    longest = max(longest, ((end - began) * 1000.0, ident, began))
                last_ok = end
    return longest


def drift(samples, column: int, window: float) -> float:
    if len(samples) < 2:
        return float("nan")
    t0, t1 = samples[0][0], samples[-1][0]
    first = [s[column] for s in samples if s[0] <= t0 + window]
    last = [s[column] for s in samples if s[0] >= t1 - window]
    return sum(last) / len(last) - sum(first) / len(first)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", 10)))
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between a client's requests")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between chaos actions")
    args = parser.parse_args()
    if not farmkit.is_root():
        sys.exit("soak needs root: the demo farm creates its users and drops privileges")
    seconds = args.minutes * 60
    farm = demofarm.demo_farm(python=str(FARM_PYTHON))
    began = time.monotonic()

    def log(text):
        print(f"[{time.monotonic() - began:7.1f}s] {text}", flush=True)

    record, samples, stop = Record(), [], threading.Event()
    try:
        os.environ["ADMIN_PASSWORD"] = PASSWORD
        farm.start()
        urls = backend_urls(farm)
        auth = authorizers(farm)
        targets = [(ident, host, path) for ident, ts in urls.items() for host, path in ts]
        session = Client(farm.port)
        session.login()
        log(f"soak for {args.minutes:g} min: {args.clients} clients over {len(targets)} routes of "
            f"{len(urls)} backends, a chaos action every {args.every:g}s (admin {ADMIN})")
        threads = [threading.Thread(target=load, args=(farm.port, session.cookies, targets, record,
                                                       stop, args.pause)) for _ in range(args.clients)]
        threads += [threading.Thread(target=chaos, args=(farm, record, stop, args.every, log)),
                    threading.Thread(target=sample, args=(farm, samples, stop))]
        for t in threads:
            t.start()
        while time.monotonic() - began < seconds and all(t.is_alive() for t in threads[-2:]):
            time.sleep(1)
        stop.set()
        for t in threads:
            t.join(60)
        final = farm.status()
    except BaseException:
        stop.set()
        sys.stderr.write(farm.logs()[-6000:])
        raise
    finally:
        farm.cleanup()
        farmkit.remove_run_accounts()
    counts = classify(record, auth, log)
    window = 60.0 if seconds >= 180 else seconds / 5
    failures = sorted({kind for _, _, _, ok, kind in record.requests if not ok})
    states = ", ".join(f"{ident} {b['state']}" for ident, b in final["backends"].items())
    log(f"kills: {len(record.kills)}; failure kinds: {', '.join(failures) or 'none'}; states at the "
        f"end: {states}")
    log(f"farm PSS drift {drift(samples, 2, window):+.1f} MB; processes first/last "
        f"{samples[0][4] if samples else '?'}/{samples[-1][4] if samples else '?'}")
    outage, where, when = max_outage(record)
    log(f"longest outage: {where}, {outage:.0f} ms from {when - began:.1f}s (see the chaos log above)")
    print(f"soak: requests={counts['requests']} failed={counts['failed']} "
          f"max_outage_ms={outage:.0f} rss_drift_mb={drift(samples, 1, window):.1f} "
          f"fd_drift={drift(samples, 3, window):.1f} in_flight_at_kill={counts['in_flight_at_kill']} "
          f"refused_at_restart={counts['refused_at_restart']} minutes={args.minutes:g}")
    if counts["failed"]:
        sys.exit("soak: some requests failed that no kill explains")


if __name__ == "__main__":
    run_bench(main, "soak")
