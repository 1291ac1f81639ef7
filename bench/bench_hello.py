"""Hello-world throughput: our FastCGI backend against gunicorn, uWSGI and static files.

Rows (each with WORKERS worker processes where the server has workers):
  farm        lighttpd -> pycopia_www.farm.fcgi.serve() on a unix socket
  gunicorn    gunicorn, sync workers, straight over HTTP
  uwsgi       lighttpd -> uWSGI (python3 plugin) as a FastCGI backend on a unix socket
  static      lighttpd serving a file (the ceiling)
and, for reference, farm-flup (our server with flup's record I/O) and flup-fork (flup's own
prefork FastCGI server) behind the same lighttpd.

Everything listens on 127.0.0.1 only; wrk runs for a bounded time per row. Every process started
here is stopped on the way out, also on an error or Ctrl-C.

    .venv-bench/bin/python bench/bench_hello.py [--duration S] [--connections N] [--rows a,b]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LIGHTTPD = "/usr/sbin/lighttpd"
WORKERS = 2
BODY = b"Hello, world!\n"

started = []          # Popen objects still to stop


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv, log, **kw):
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, **kw)
    started.append(proc)
    return proc


def stop_all(grace=5.0):
    """SIGTERM every process started here, give them `grace` seconds together, then SIGKILL
    each one's whole process group (its workers)."""
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in started:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    started.clear()


def wait_until(check, what, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def http_ok(port, path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return data.startswith(b"HTTP/1.") and b" 200 " in data[:16] and data.endswith(BODY)
    except OSError:
        return False


def lighttpd_conf(tmp, port):
    return f"""
server.modules = ("mod_fastcgi")
server.document-root = "{tmp}/htdocs"
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = "{tmp}/lighttpd.error.log"
server.pid-file = "{tmp}/lighttpd.pid"
server.max-fds = 4096
server.max-connections = 2048
mimetype.assign = (".txt" => "text/plain")
fastcgi.server = (
    "/farm_lean" => (( "socket" => "{tmp}/farm.sock", "check-local" => "disable" )),
    "/farm_flup_io" => (( "socket" => "{tmp}/farmflup.sock", "check-local" => "disable" )),
    "/uwsgi" => (( "socket" => "{tmp}/uwsgi.sock", "check-local" => "disable" )),
    "/flupfork" => (( "socket" => "{tmp}/flupfork.sock", "check-local" => "disable" )),
)
"""


FARM_MAIN = """
import socket, sys
sys.path[:0] = [sys.argv[2], sys.argv[5]]
from hello_app import app
from pycopia_www.farm.fcgi import serve
from pycopia_www.farm.fcgi.records import RecordIO
if sys.argv[4] == "flup":
    from flupio import FlupRecordIO as RecordIO     # the reference record I/O (tests/flupio.py)
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.bind(sys.argv[1])
sock.listen(1024)
serve(sock, app, name="bench", workers=int(sys.argv[3]), record_io=RecordIO)
"""

FLUP_FORK_MAIN = """
import sys
sys.path.insert(0, sys.argv[2])
from hello_app import app
from flup.server.fcgi_fork import WSGIServer
n = int(sys.argv[3])
WSGIServer(app, bindAddress=sys.argv[1], minSpare=n, maxSpare=n, maxChildren=n).run()
"""


def backend_farm(tmp, log, record_io="lean", sockname="farm.sock"):
    return start([sys.executable, "-c", FARM_MAIN, f"{tmp}/{sockname}", str(HERE), str(WORKERS),
                  record_io, str(REPO / "tests")], log, cwd=REPO)


def backend_uwsgi(tmp, log):
    # --die-on-term: SIGTERM stops uWSGI (by default it would reload).
    return start(["uwsgi", "--plugin", "python3", "--fastcgi-socket", f"{tmp}/uwsgi.sock",
                  "--master", "--processes", str(WORKERS), "--listen", "1024",
                  "--wsgi-file", str(HERE / "hello_app.py"), "--callable", "app",
                  "--disable-logging", "--die-on-term"], log)


def backend_flup_fork(tmp, log):
    return start([sys.executable, "-c", FLUP_FORK_MAIN, f"{tmp}/flupfork.sock", str(HERE),
                  str(WORKERS)], log, cwd=REPO)


def backend_gunicorn(port, log):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return start([str(gunicorn), "--workers", str(WORKERS), "--worker-class", "sync",
                  "--bind", f"127.0.0.1:{port}", "--backlog", "1024", "--chdir", str(HERE),
                  "--access-logfile", "/dev/null", "--error-logfile", "-", "--no-control-socket",
                  "hello_app:app"], log)


def in_scratch_dir(measure):
    """measure(tmp, log) in a fresh directory with a log for the servers; afterwards every
    started process is stopped and the directory removed. The log's tail is shown on failure."""
    tmp = Path(tempfile.mkdtemp(prefix="pwww-bench-"))
    log = open(tmp / "servers.log", "wb")
    try:
        return measure(tmp, log)
    except BaseException:
        log.flush()
        sys.stderr.write((tmp / "servers.log").read_text(errors="replace")[-4000:])
        raise
    finally:
        stop_all()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def parse_wrk(text):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    p99 = float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(g) for g in m.groups())
    return rps, p99, errors


def run_wrk(url, duration, connections, threads, warm_up):
    if warm_up:     # imports, caches, lighttpd's backend state
        subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", "1s", url],
                       capture_output=True, timeout=30, check=True)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                          "--latency", url], capture_output=True, text=True,
                         timeout=duration + 30, check=True).stdout
    return parse_wrk(out)


ROWS = ["farm", "gunicorn", "uwsgi", "static", "farm-flup", "flup-fork"]


def start_row(row, tmp, log, base):
    """Start the server of one row; returns (process or None, URL to load)."""
    if row == "static":
        return None, f"{base}/hello.txt"
    if row == "gunicorn":
        port = free_port()
        return backend_gunicorn(port, log), f"http://127.0.0.1:{port}/"
    if row == "farm":
        return backend_farm(tmp, log), f"{base}/farm_lean"
    if row == "farm-flup":
        return backend_farm(tmp, log, "flup", "farmflup.sock"), f"{base}/farm_flup_io"
    if row == "uwsgi":
        return backend_uwsgi(tmp, log), f"{base}/uwsgi"
    if row == "flup-fork":
        return backend_flup_fork(tmp, log), f"{base}/flupfork"
    sys.exit(f"unknown row {row!r}; rows: {', '.join(ROWS)}")


def measure(rows, args, tmp, log):
    """All servers up at once (idle ones cost nothing), then `rounds` interleaved passes over
    the rows, so that a disturbance from elsewhere on the machine hits every row alike. Keeps
    each row's best pass; errors are summed over all passes."""
    port = free_port()
    (tmp / "lighttpd.conf").write_text(lighttpd_conf(tmp, port))
    start([LIGHTTPD, "-D", "-f", str(tmp / "lighttpd.conf")], log)
    wait_until(lambda: http_ok(port, "/hello.txt"), "lighttpd")
    urls = {}
    for row in rows:
        _, urls[row] = start_row(row, tmp, log, f"http://127.0.0.1:{port}")
    for row, url in urls.items():
        host_port, path = url.split("/", 3)[2], "/" + url.split("/", 3)[3]
        wait_until(lambda: http_ok(int(host_port.split(":")[1]), path), row)
    best, errors = {}, dict.fromkeys(rows, 0)
    for n in range(args.rounds):
        for row in rows:
            rps, p99, errs = run_wrk(urls[row], args.duration, args.connections, args.threads,
                                     warm_up=n == 0)
            errors[row] += errs
            if row not in best or rps > best[row][0]:
                best[row] = (rps, p99)
    return {row: (rps, p99, errors[row]) for row, (rps, p99) in best.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 5)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 2)))
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rows", default=",".join(ROWS))
    args = parser.parse_args()
    rows = args.rows.split(",")
    for tool in ("wrk", "uwsgi", LIGHTTPD):
        if not shutil.which(tool):
            sys.exit(f"bench_hello: {tool} is missing (Debian: wrk uwsgi-core uwsgi-plugin-python3"
                     " lighttpd)")

    def hello_rows(tmp, log):
        (tmp / "htdocs").mkdir()
        (tmp / "htdocs" / "hello.txt").write_bytes(BODY)
        return measure(rows, args, tmp, log)
    results = in_scratch_dir(hello_rows)

    print(f"hello world, {WORKERS} workers per server, wrk -t{args.threads} -c{args.connections}, "
          f"best of {args.rounds} x {args.duration}s; {os.cpu_count()} CPUs shared by wrk, "
          "lighttpd and the workers")
    print(f"{'server':<12}{'requests/s':>12}{'p99 ms':>10}{'errors':>9}")
    for row, (rps, p99, errors) in results.items():
        print(f"{row:<12}{rps:>12.0f}{p99:>10.2f}{errors:>9}")
    rps = {row: r[0] for row, r in results.items()}
    if "farm-flup" in rps and "uwsgi" in rps:
        print(f"farm-flup/uwsgi={rps['farm-flup'] / rps['uwsgi']:.2f} "
              f"flup-fork/uwsgi={rps.get('flup-fork', 0) / rps['uwsgi']:.2f}")
    if all(k in rps for k in ("farm", "gunicorn", "uwsgi", "static")):
        print(f"bench hello: farm={rps['farm']:.0f} gunicorn={rps['gunicorn']:.0f} "
              f"uwsgi={rps['uwsgi']:.0f} static={rps['static']:.0f} "
              f"farm/gunicorn={rps['farm'] / rps['gunicorn']:.2f} "
              f"farm/uwsgi={rps['farm'] / rps['uwsgi']:.2f}")
    if any(errors for _, _, errors in results.values()):
        sys.exit("bench_hello: some requests failed")


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def run_bench(main, name):
    """main() with Ctrl-C, SIGTERM and SIGHUP raising out of it, so that its finally clauses
    stop every process it started."""
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even if started with it ignored
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(f"{name}: interrupted")


if __name__ == "__main__":
    run_bench(main, "bench_hello")
