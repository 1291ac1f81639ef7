"""One small proxy call, add(2, 3), per request: our proxy against a widely used JSON-RPC server.

Rows (WORKERS worker processes each):
  ours          lighttpd -> our FastCGI server -> the backend application (dispatcher, Proxy)
  uwsgi_peer    the same lighttpd (another port) -> uWSGI as a FastCGI server -> Flask view ->
                the json-rpc package's dispatcher: the peer served exactly the way ours is
  jsonrpc_peer  gunicorn (sync workers) -> the same Flask view, straight over HTTP
  flask_json    gunicorn -> a plain Flask JSON view doing the same work with no RPC layer
The gunicorn rows are reached without lighttpd in front: there the hop is ours to pay.

    .venv-bench/bin/python bench/bench_proxy.py [--duration S] [--rounds N]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

from bench_hello import (HERE, LIGHTTPD, REPO, WORKERS, free_port, in_scratch_dir, parse_wrk, start,
                         wait_until)

CALL = {"jsonrpc": "2.0", "id": 1, "method": "add", "params": [2, 3]}
HEADERS = {"Content-Type": "application/json", "X-Requested-With": "pycopia-www"}

OURS_MAIN = """
import socket, sys
sys.path.insert(0, sys.argv[2])
from pycopia_www.config import load_site
from pycopia_www.web.app import build_app
from pycopia_www.farm.fcgi import serve
site = load_site(sys.argv[3])
app = build_app(site, site.backend("bench.rpc"))
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.bind(sys.argv[1])
sock.listen(1024)
serve(sock, app, name="bench-proxy", workers=int(sys.argv[4]))
"""


def write_site(tmp: Path) -> Path:
    (tmp / "etc" / "backends.d").mkdir(parents=True)
    (tmp / "etc" / "farm.toml").write_text("")
    (tmp / "etc" / "backends.d" / "bench.toml").write_text(
        'hosts = ["localhost"]\ndefault = true\n[[backend]]\nname = "rpc"\nuser = "root"\n'
        'prefix = "/"\napp = "proxy_app"\n')
    return tmp / "etc" / "farm.toml"


PEER_WSGI = """
import sys
sys.path.insert(0, {here!r})
from proxy_app import jsonrpc_flask_app
application = jsonrpc_flask_app()
"""


def lighttpd_conf(tmp: Path, port: int, peer_port: int) -> str:
    return f"""
server.modules = ("mod_fastcgi")
server.document-root = "{tmp}"
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = "{tmp}/lighttpd.error.log"
server.max-fds = 4096
server.max-connections = 2048
fastcgi.server = ( "/" => (( "socket" => "{tmp}/ours.sock", "check-local" => "disable",
                                   "fix-root-scriptname" => "enable" )) )
$SERVER["socket"] == "127.0.0.1:{peer_port}" {{
    fastcgi.server = ( "/" => (( "socket" => "{tmp}/peer.sock", "check-local" => "disable",
                                       "fix-root-scriptname" => "enable" )) )
}}
"""


def uwsgi_peer(tmp: Path, log):
    """The json-rpc Flask peer under uWSGI's FastCGI server, with the bench venv's packages."""
    (tmp / "peer_wsgi.py").write_text(PEER_WSGI.format(here=str(HERE)))
    venv = Path(sys.executable).parent.parent
    return start(["uwsgi", "--plugin", "python3", "--fastcgi-socket", f"{tmp}/peer.sock",
                  "--master", "--processes", str(WORKERS), "--listen", "1024",
                  "--home", str(venv), "--wsgi-file", str(tmp / "peer_wsgi.py"),
                  "--disable-logging", "--die-on-term"], log)


def call_ok(port: int) -> bool:
    body = json.dumps(CALL).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"POST /rpc HTTP/1.0\r\nHost: localhost\r\n{head}"
                      f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return b" 200 " in data[:16] and json.loads(data.split(b"\r\n\r\n", 1)[1])["result"] == 5
    except (OSError, ValueError, KeyError):
        return False


def gunicorn(port: int, factory: str, log):
    return start([str(Path(sys.executable).with_name("gunicorn")), "--workers", str(WORKERS),
                  "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--backlog", "1024",
                  "--chdir", str(HERE), "--access-logfile", "/dev/null", "--error-logfile", "-",
                  "--no-control-socket", f"proxy_app:{factory}()"], log)


def run_wrk(port: int, script: Path, duration: int, connections: int, warm_up: bool):
    import subprocess
    url = f"http://127.0.0.1:{port}/rpc"
    argv = ["wrk", "-t", "1", "-c", str(connections), "-s", str(script)]
    if warm_up:
        subprocess.run([*argv, "-d", "1s", url], capture_output=True, timeout=30, check=True)
    out = subprocess.run([*argv, "-d", f"{duration}s", "--latency", url], capture_output=True,
                         text=True, timeout=duration + 30, check=True).stdout
    return parse_wrk(out)


def measure(args, tmp: Path, log) -> dict:
    script = tmp / "call.lua"
    lua_headers = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in HEADERS.items())
    script.write_text(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(CALL))}\n{lua_headers}')
    farm_file = write_site(tmp)
    ports = {row: free_port() for row in ("ours", "uwsgi_peer", "jsonrpc_peer", "flask_json")}
    (tmp / "lighttpd.conf").write_text(lighttpd_conf(tmp, ports["ours"], ports["uwsgi_peer"]))
    start([sys.executable, "-c", OURS_MAIN, f"{tmp}/ours.sock", str(HERE), str(farm_file),
           str(WORKERS)], log, cwd=REPO)
    uwsgi_peer(tmp, log)
    wait_until(lambda: os.path.exists(f"{tmp}/ours.sock") and os.path.exists(f"{tmp}/peer.sock"),
               "the FastCGI backends")
    start([LIGHTTPD, "-D", "-f", str(tmp / "lighttpd.conf")], log)
    gunicorn(ports["jsonrpc_peer"], "jsonrpc_flask_app", log)
    gunicorn(ports["flask_json"], "flask_json_app", log)
    for row, port in ports.items():
        wait_until(lambda: call_ok(port), row)
    best, errors = {}, dict.fromkeys(ports, 0)
    for n in range(args.rounds):
        for row, port in ports.items():
            rps, p99, errs = run_wrk(port, script, args.duration, args.connections, warm_up=n == 0)
            errors[row] += errs
            if row not in best or rps > best[row][0]:
                best[row] = (rps, p99)
    return {row: (*best[row], errors[row]) for row in ports}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 5)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 2)))
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    for tool in ("wrk", LIGHTTPD, "uwsgi"):
        if not shutil.which(tool):
            sys.exit(f"bench_proxy: {tool} is missing (Debian: wrk lighttpd uwsgi-core)")
    results = in_scratch_dir(lambda tmp, log: measure(args, tmp, log))

    print(f"proxy call add(2, 3), {WORKERS} workers per server, wrk -t1 -c{args.connections}, "
          f"best of {args.rounds} x {args.duration}s; {os.cpu_count()} CPUs shared by all")
    print(f"{'server':<14}{'calls/s':>10}{'p99 ms':>10}{'errors':>9}")
    for row, (rps, p99, errs) in results.items():
        print(f"{row:<14}{rps:>10.0f}{p99:>10.2f}{errs:>9}")
    rps = {row: r[0] for row, r in results.items()}
    print(f"bench proxy: ours={rps['ours']:.0f} uwsgi_peer={rps['uwsgi_peer']:.0f} "
          f"jsonrpc_peer={rps['jsonrpc_peer']:.0f} flask_json={rps['flask_json']:.0f} "
          f"ours/uwsgi_peer={rps['ours'] / rps['uwsgi_peer']:.2f} "
          f"ours/jsonrpc_peer={rps['ours'] / rps['jsonrpc_peer']:.2f} "
          f"ours/flask_json={rps['ours'] / rps['flask_json']:.2f}")
    if any(errs for _, _, errs in results.values()):
        sys.exit("bench_proxy: some calls failed")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("bench_proxy: interrupted")
