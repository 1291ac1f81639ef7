"""Live updates: N subscribers through lighttpd, one publisher at a fixed rate, in a real farm.

A throw-away farm (websitectl, lighttpd, the events backend; as root under their own users) with
one topic. N clients (100, then 1000) hold an event stream each through lighttpd; once all are
connected, a publisher process in another backend's place (user root, allowed bench.*) publishes
RATE events a second for SECONDS seconds, each carrying its publish time. Every client notes when
each event arrives. Printed per N:

  bench events: subscribers=N delivered=<fraction> p50_ms=<x> p99_ms=<y> events_pss_mb=<z>

delivered: events received over events published times N (publishes that were dropped count as
not delivered); the latencies are from publish() to the client's read, over every delivery;
events_pss_mb: the events backend's proportional set size with all N streams open. A second line
says how much CPU time each event cost the events backend, lighttpd and the clients.

    .venv-bench/bin/python bench/bench_events.py [--subscribers 100,1000] [--rate R] [--seconds S]
"""
import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WEBSITECTL = [sys.executable, "-m", "pycopia_www.ctl"]
TOPIC = "bench.tick"

PUBLISHER = """
import json, sys, time
from pycopia_www.events.publish import Publisher
publisher = Publisher(sys.argv[1])
rate, count = float(sys.argv[2]), int(sys.argv[3])
start = time.monotonic()
for n in range(count):
    time.sleep(max(0.0, start + n / rate - time.monotonic()))
    publisher.publish("%s", {"t": time.monotonic(), "n": n})
print(json.dumps(publisher.stats()))
""" % TOPIC


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_farm(root: Path, port: int) -> Path:
    (root / "etc" / "backends.d").mkdir(parents=True)
    farm = root / "etc" / "farm.toml"
    farm.write_text(f'listen = "127.0.0.1"\nport = {port}\n')
    (root / "etc" / "backends.d" / "bench.toml").write_text(textwrap.dedent(f"""\
        hosts = ["localhost"]
        default = true
        [[backend]]
        name = "pub"                # the publisher's place: the bench runs it as this user
        user = "root"
        prefix = "/"
        app = "hello_app:application"
        pythonpath = ["{HERE}"]
        workers = 1
        publish = ["bench.*"]
        [[backend]]
        name = "events"
        kind = "events"
        user = "pwww-events"
        prefix = "/events"
        topics = {{ "bench.*" = [] }}
        max_streams = 5000
        max_streams_per_client = 5000
        """))
    for d in (root, root / "etc", root / "etc" / "backends.d"):
        os.chmod(d, 0o755)
    return farm


def ctl(farm: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([*WEBSITECTL, "--farm", str(farm), *args], cwd=REPO, capture_output=True,
                          text=True, timeout=180)
    if proc.returncode != 0:
        raise SystemExit(f"websitectl {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def cpu_seconds(pid: int) -> float:
    """user + system time of a process so far."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no Pss in smaps_rollup")


class Subscriber(asyncio.Protocol):
    """One event stream over HTTP/1.0 (the body is the stream itself). Notes the latency of
    every event: its arrival less the publish time it carries (CLOCK_MONOTONIC, one machine)."""

    def __init__(self, request: bytes, latencies: list, ready: asyncio.Future):
        self.request, self.latencies, self.ready = request, latencies, ready
        self.buffer = b""
        self.head = True
        self.received = 0

    def connection_made(self, transport):
        transport.write(self.request)

    def data_received(self, data):
        now = time.monotonic()
        buffer = self.buffer + data
        if self.head:
            if b"\r\n\r\n" not in buffer:
                self.buffer = buffer
                return
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            self.head = False
            if not self.ready.done():
                self.ready.set_result(head.split(b" ", 2)[1] == b"200")
        while (end := buffer.find(b"\n\n")) != -1:
            frame, buffer = buffer[:end], buffer[end + 2:]
            at = frame.find(b"\ndata: ")
            if at != -1:
                self.latencies.append(now - json.loads(frame[at + 7:])["value"]["t"])
                self.received += 1
        self.buffer = buffer

    def connection_lost(self, exc):
        if not self.ready.done():
            self.ready.set_result(False)


async def run_round(port: int, publish_socket: str, pids: dict[str, int], subscribers: int,
                    rate: float, seconds: float) -> dict:
    loop = asyncio.get_running_loop()
    request = (f"GET /events?topic={TOPIC} HTTP/1.0\r\nHost: localhost\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
    latencies: list[float] = []
    clients, transports = [], []
    for start in range(0, subscribers, 100):         # in batches: the listen backlog is finite
        batch = []
        for _ in range(min(100, subscribers - start)):
            ready = loop.create_future()
            transport, client = await loop.create_connection(
                lambda r=ready: Subscriber(request, latencies, r), "127.0.0.1", port)
            transports.append(transport)
            clients.append(client)
            batch.append(ready)
        if not all(await asyncio.gather(*batch)):
            raise SystemExit("a subscriber was refused")
    count = int(rate * seconds)
    cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
    clients_cpu = time.process_time()
    publisher = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PUBLISHER, publish_socket, str(rate), str(count),
        stdout=asyncio.subprocess.PIPE, cwd=REPO)
    out, _ = await publisher.communicate()
    stats = json.loads(out)
    deadline = loop.time() + 10
    while sum(c.received for c in clients) < stats["sent"] * subscribers and loop.time() < deadline:
        await asyncio.sleep(0.05)
    cpu = {name: cpu_seconds(pid) - cpu[name] for name, pid in pids.items()}
    cpu["clients"] = time.process_time() - clients_cpu
    pss = pss_mb(pids["events"])
    for transport in transports:
        transport.close()
    latencies.sort()
    received = len(latencies)

    def percentile(p):
        return latencies[min(received - 1, int(p * received))] * 1000 if received else float("nan")
    return {"subscribers": subscribers, "delivered": received / (count * subscribers),
            "p50_ms": percentile(0.50), "p99_ms": percentile(0.99), "events_pss_mb": pss,
            "dropped_by_publisher": stats["dropped"], "cpu": cpu, "events": count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", default="100,1000")
    parser.add_argument("--rate", type=float, default=10.0, help="events a second")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="pwww-bench-events-", dir="/tmp"))
    port = free_port()
    farm = write_farm(root, port)
    try:
        ctl(farm, "setup")
        ctl(farm, "start")
        status = json.loads(ctl(farm, "status", "--json").stdout)
        pids = {"events": status["backends"]["bench.events"]["pid"],
                "lighttpd": status["lighttpd"]["pid"]}
        publish_socket = str(root / "var" / "run" / "events" / "bench.sock")
        for n in (int(x) for x in args.subscribers.split(",")):
            r = asyncio.run(run_round(port, publish_socket, pids, n, args.rate, args.seconds))
            print(f"bench events: subscribers={r['subscribers']} delivered={r['delivered']:.4f} "
                  f"p50_ms={r['p50_ms']:.1f} p99_ms={r['p99_ms']:.1f} "
                  f"events_pss_mb={r['events_pss_mb']:.1f}", flush=True)
            per_event = " ".join(f"{k}={v / r['events'] * 1000:.1f}" for k, v in r["cpu"].items())
            print(f"  CPU ms per event: {per_event}")
            if r["dropped_by_publisher"]:
                print(f"  (the publisher dropped {r['dropped_by_publisher']} event(s))")
            time.sleep(1)       # the closed streams leave the events server before the next round
    finally:
        subprocess.run([*WEBSITECTL, "--farm", str(farm), "stop"], cwd=REPO, capture_output=True,
                       timeout=60)
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
