"""One lighttpd in front of ours and of peer applications under uWSGI, for comparing whole pages.

    front = Front(tmp, log)
    front.ours("/ours", farm_file, "bench.page")            # our FastCGI server, compose.load
    front.uwsgi("/flask", HERE / "page_peers" / "flask_app.py", "app", env={"PAGE_DB": db})
    front.start()                                            # lighttpd; waits for every mount
    results = front.measure({"ours": "/ours/hosts", ...}, rounds=2, duration=5, connections=32)

Every server gets the same number of worker processes (WORKERS), listens on a unix socket and is
reached through the same lighttpd over FastCGI, so the front end's share is the same for all.
Rows are measured in interleaved rounds (a disturbance elsewhere on the machine hits every row
alike) and each row keeps its best round. The processes are bench_hello's: in_scratch_dir stops
them all.
"""
import os
import signal
import sys
import time
from pathlib import Path

from bench_hello import LIGHTTPD, REPO, WORKERS, free_port, run_wrk, start, wait_until

OURS_MAIN = """
import socket, sys
sys.path[:0] = sys.argv[4].split(":")
from pycopia_www.compose import load
from pycopia_www.config import load_site
from pycopia_www.farm.fcgi import serve
site = load_site(sys.argv[2])
app = load(site, site.backend(sys.argv[3]))     # as the farm's backend master does
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.bind(sys.argv[1])
sock.listen(1024)
serve(sock, app, name="bench-ours", workers=int(sys.argv[5]))
"""


class Front:
    def __init__(self, tmp: Path, log):
        self.tmp, self.log = Path(tmp), log
        self.mounts: dict[str, Path] = {}       # URL prefix -> FastCGI socket
        self.port = None

    def _socket(self, prefix: str) -> Path:
        sock = self.tmp / f"{prefix.strip('/') or 'root'}.sock"
        self.mounts[prefix] = sock
        return sock

    def ours(self, prefix: str, farm_file: Path, ident: str, pythonpath=()) -> None:
        """Our FastCGI server with the backend `ident` of the site at `farm_file`."""
        sock = self._socket(prefix)
        start([sys.executable, "-c", OURS_MAIN, str(sock), str(farm_file), ident,
               ":".join(map(str, pythonpath)), str(WORKERS)], self.log, cwd=REPO)

    def uwsgi(self, prefix: str, wsgi_file: Path, callable_: str = "application", *,
              env: dict | None = None, pythonpath=()) -> None:
        """A WSGI application under uWSGI (Debian's, python3 plugin) with this venv's packages
        and `pythonpath` in front of sys.path."""
        sock = self._socket(prefix)
        argv = ["uwsgi", "--plugin", "python3", "--fastcgi-socket", str(sock), "--master",
                "--processes", str(WORKERS), "--listen", "1024", "--virtualenv", sys.prefix,
                "--chdir", str(Path(wsgi_file).parent), "--wsgi-file", str(wsgi_file),
                "--callable", callable_, "--disable-logging", "--die-on-term"]
        for key, value in (env or {}).items():
            argv += ["--env", f"{key}={value}"]
        for directory in pythonpath:
            argv += ["--pythonpath", str(directory)]
        start(argv, self.log)

    def start(self) -> int:
        for prefix, sock in self.mounts.items():
            wait_until(lambda: sock.exists(), f"the server behind {prefix}", timeout=60)
        self.port = free_port()
        servers = ",\n".join(f'    "{prefix}" => (( "socket" => "{sock}", "check-local" => "disable" ))'
                             for prefix, sock in self.mounts.items())
        (self.tmp / "htdocs").mkdir(exist_ok=True)
        (self.tmp / "lighttpd.conf").write_text(f"""
server.modules = ("mod_fastcgi")
server.document-root = "{self.tmp}/htdocs"
server.bind = "127.0.0.1"
server.port = {self.port}
server.errorlog = "{self.tmp}/lighttpd.error.log"
server.max-fds = 4096
server.max-connections = 2048
fastcgi.server = (
{servers}
)
""")
        start([LIGHTTPD, "-D", "-f", str(self.tmp / "lighttpd.conf")], self.log)
        return self.port

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for(self, rows: dict[str, str], check) -> None:
        """Wait until check(body) holds for every row's page."""
        import urllib.request

        def ok(path):
            try:
                with urllib.request.urlopen(self.url(path), timeout=5) as r:
                    return r.status == 200 and check(r.read())
            except OSError:
                return False
        for row, path in rows.items():
            wait_until(lambda: ok(path), row, timeout=60)

    def measure(self, rows: dict[str, str], *, rounds: int, duration: int, connections: int,
                threads: int = 1) -> dict:
        """{row: (requests/s, p99 ms, errors)}: best of `rounds` interleaved passes."""
        best, errors = {}, dict.fromkeys(rows, 0)
        for n in range(rounds):
            for row, path in rows.items():
                rps, p99, errs = run_wrk(self.url(path), duration, connections, threads, warm_up=n == 0)
                errors[row] += errs
                if row not in best or rps > best[row][0]:
                    best[row] = (rps, p99)
                time.sleep(0.2)
        return {row: (*best[row], errors[row]) for row in rows}


def environment_summary() -> str:
    return f"{os.cpu_count()} CPUs shared by wrk, lighttpd and the workers"


def print_table(results: dict, unit: str = "requests/s") -> None:
    """The rows of measure(): rate, p99 latency, errors."""
    print(f"{'server':<10}{unit:>12}{'p99 ms':>10}{'errors':>9}")
    for row, (rps, p99, errs) in results.items():
        print(f"{row:<10}{rps:>12.0f}{p99:>10.2f}{errs:>9}")


def run(main, name: str) -> None:
    """Run a benchmark's main() so that Ctrl-C, SIGTERM and SIGHUP still stop what it started
    (in_scratch_dir's cleanup runs on the way out)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)    # even if started with it ignored
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(f"{name}: interrupted")
