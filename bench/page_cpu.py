"""CPU time per page of bench_page's page, in process: each WSGI application called directly
(no lighttpd, no FastCGI), best of 7 x N pages by time.process_time. Steadier than the served
bench on a shared machine; docs/performance.md ("A realistic page") quotes it.

    .venv-bench/bin/python bench/page_cpu.py [--pages N] [--profile ours|flask]
"""
import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "page_peers")]

from bench_page import complete, write_site  # noqa: E402
from page_models import fill  # noqa: E402


def ours(db: Path, tmp: Path):
    from pycopia_www.compose import load
    from pycopia_www.config import load_site
    site = load_site(write_site(tmp, db))
    return load(site, site.backend("bench.page")), "/ours", "/hosts"


def flask(db: Path, tmp: Path):
    os.environ["PAGE_DB"] = str(db)
    from flask_app import app
    return app, "", "/hosts"


def page_caller(app, script_name: str, path: str):
    def start_response(status, headers, exc_info=None):
        if not status.startswith("200"):
            raise SystemExit(f"page_cpu: {script_name}{path} answered {status}")

    def one() -> bytes:
        environ = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": script_name, "PATH_INFO": path,
                   "REQUEST_URI": script_name + path, "QUERY_STRING": "",
                   "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost",
                   "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
                   "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
                   "REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT": "*/*"}
        body = app(environ, start_response)
        try:
            return b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
    return one


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--profile", choices=("ours", "flask"))
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="page-cpu-"))
    db = tmp / "page.db"
    fill(str(db))
    for name, make in (("ours", ours), ("flask", flask)):
        if args.profile and name != args.profile:
            continue
        one = page_caller(*make(db, tmp))
        if not complete(one()):
            raise SystemExit(f"page_cpu: {name}'s page lacks rows or links")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(lambda: [one() for _ in range(args.pages)])
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
            return
        times = []
        for _ in range(7):
            start = time.process_time()
            for _ in range(args.pages):
                one()
            times.append((time.process_time() - start) / args.pages * 1e6)
        times.sort()
        print(f"{name:6s} best {times[0]:5.0f} µs/page, median {times[3]:5.0f}")


if __name__ == "__main__":
    main()
