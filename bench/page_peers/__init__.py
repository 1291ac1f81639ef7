"""The bench page's peers (bench/bench_page.py): Flask + SQLAlchemy + Jinja2, and Django (ORM and
templates). Each serves the same page as bench/page_ours.py from the same SQLite file ($PAGE_DB)."""
