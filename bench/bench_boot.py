"""bench boot: seconds from `websitectl start` to the first HTTPS 200 of the demo site.

The demo site as it is (demo/etc/backends.d: five backends, two virtual hosts) in a throw-away
farm: run, log and state directories in a temporary directory, free ports on 127.0.0.1. `setup`
runs first (users, certificates; not timed); then, ROUNDS times: `websitectl start` (which returns
once lighttpd answers and every backend serves), GET / over HTTPS trusting the certificate setup
made, until it is a 200; then stop. Prints each round and the median:

    bench boot: <seconds>            (target: <= 2 s on this 2-core machine)

    .venv-bench/bin/python bench/bench_boot.py [--rounds N]
"""
import argparse
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "demo"
WEBSITECTL = [sys.executable, "-m", "pycopia_www.ctl"]
TARGET = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def https_ok(port: int, cert: Path) -> bool:
    context = ssl.create_default_context(cafile=str(cert))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                return tls.recv(12) == b"HTTP/1.1 200"
    except OSError:
        return False


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    top = Path(tempfile.mkdtemp(prefix="pwww-bench-boot-", dir="/tmp"))
    top.chmod(0o755)
    (top / "etc").mkdir()
    farm = top / "etc" / "farm.toml"
    port, tls_port = free_port(), free_port()
    farm.write_text(f'root = "{DEMO}"\nbackends_dir = "{DEMO / "etc" / "backends.d"}"\n'
                    f'listen = "127.0.0.1"\nport = {port}\ntls_port = {tls_port}\n'
                    f'run_dir = "{top}/run"\nlog_dir = "{top}/log"\nstate_dir = "{top}/state"\n')
    ctl = lambda *a: subprocess.run([*WEBSITECTL, "--farm", str(farm), *a], cwd=REPO,   # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    try:
        setup = ctl("setup")
        if setup.returncode != 0:
            sys.exit(f"setup failed:\n{setup.stdout}{setup.stderr}")
        cert = top / "state" / "tls" / "appliance.crt"
        times = []
        print(f"{'round':>5} {'start returned':>15} {'first HTTPS 200':>16}")
        for n in range(1, args.rounds + 1):
            t0 = time.monotonic()
            started = ctl("start")
            returned = time.monotonic() - t0
            if started.returncode != 0:
                sys.exit(f"start failed:\n{started.stdout}{started.stderr}")
            while not https_ok(tls_port, cert):
                if time.monotonic() - t0 > 60:
                    sys.exit("no HTTPS 200 within 60 s")
                time.sleep(0.005)
            times.append(time.monotonic() - t0)
            print(f"{n:>5} {returned:>14.2f}s {times[-1]:>15.2f}s", flush=True)
            ctl("stop")
        median = statistics.median(times)
        print(f"bench boot: {median:.2f}  (median of {len(times)}; target <= {TARGET:.0f} s"
              f"{'' if median <= TARGET else ': MISSED'})")
    finally:
        ctl("stop")
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
