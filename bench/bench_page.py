"""A realistic page: a layout with navigation, a 100-row table read from a SQLite database, a link
per row built by the framework's URL reversing; ours against Flask and Django.

Rows (WORKERS worker processes each, all behind the same lighttpd over FastCGI, bench/peers.py):
  ours    our FastCGI server -> build_app: request.db (SQLAlchemy session), markup builder, get_url
  flask   uWSGI -> Flask, SQLAlchemy (a session per request, the same query), Jinja2, url_for
  django  uWSGI -> Django: its ORM (select_related), its templates, {% url %}

All three read the same database file and answer pages with the same content.

    .venv-bench/bin/python bench/bench_page.py [--duration S] [--rounds N] [--connections N]
"""
import argparse
import os
import shutil
import sys
from pathlib import Path

from bench_hello import HERE, LIGHTTPD, WORKERS, in_scratch_dir
from page_models import HOSTS, fill
from peers import Front, environment_summary, print_table, run

PEERS = HERE / "page_peers"


def write_site(tmp: Path, db: Path) -> Path:
    (tmp / "etc" / "backends.d").mkdir(parents=True)
    (tmp / "etc" / "farm.toml").write_text("")
    (tmp / "etc" / "backends.d" / "bench.toml").write_text(
        'hosts = ["localhost"]\ndefault = true\n[[backend]]\nname = "page"\nuser = "root"\n'
        f'prefix = "/ours"\napp = "page_ours"\ndatabase = "sqlite:///{db}"\n')
    return tmp / "etc" / "farm.toml"


def complete(body: bytes) -> bool:
    """Every row is there, each with its link."""
    return body.count(b"<tr") == HOSTS + 1 and body.count(b"/host/") == HOSTS


def measure(args, tmp: Path, log) -> dict:
    db = tmp / "page.db"
    fill(str(db))
    front = Front(tmp, log)
    front.ours("/ours", write_site(tmp, db), "bench.page", pythonpath=[HERE])
    for prefix, module, name in (("/flask", "flask_app.py", "app"), ("/django", "django_app.py", "application")):
        front.uwsgi(prefix, PEERS / module, name, env={"PAGE_DB": db}, pythonpath=[HERE])
    front.start()
    rows = {"ours": "/ours/hosts", "flask": "/flask/hosts", "django": "/django/hosts"}
    front.wait_for(rows, complete)
    return front.measure(rows, rounds=args.rounds, duration=args.duration,
                         connections=args.connections)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 5)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 2)))
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    for tool in ("wrk", "uwsgi", LIGHTTPD):
        if not shutil.which(tool):
            sys.exit(f"bench_page: {tool} is missing (Debian: wrk uwsgi-core uwsgi-plugin-python3 lighttpd)")
    results = in_scratch_dir(lambda tmp, log: measure(args, tmp, log))

    print(f"page with a {HOSTS}-row table from SQLite, {WORKERS} workers per server behind one "
          f"lighttpd, wrk -t1 -c{args.connections}, best of {args.rounds} x {args.duration}s; "
          f"{environment_summary()}")
    print_table(results, "pages/s")
    rps = {row: r[0] for row, r in results.items()}
    print(f"bench page: ours={rps['ours']:.0f} flask={rps['flask']:.0f} django={rps['django']:.0f} "
          f"ours/flask={rps['ours'] / rps['flask']:.2f} ours/django={rps['ours'] / rps['django']:.2f}")
    if any(errs for _, _, errs in results.values()):
        sys.exit("bench_page: some requests failed")


if __name__ == "__main__":
    run(main, "bench_page")
