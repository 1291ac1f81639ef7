"""Shared test configuration.

In CI (CI=true) a skipped test is a failure: everything the suite needs is installed by `make test`,
so a skip there means something that should have been tested was not.

At the end, the system accounts this run's test farms created are removed (farmkit.test_user:
their names carry this run's id, so other runs' accounts are never touched).
"""
import os

import farmkit
import pytest

# Session fixtures for every test: the one Nu Html Checker run (nu_report) and its sources.
from nucheck import nu_canaries, nu_report  # noqa: F401


def pytest_sessionfinish(session, exitstatus):
    removed = farmkit.remove_run_accounts()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if removed and reporter:
        reporter.write_line(f"removed this run's test accounts: {', '.join(removed)}")
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI=true: {len(skipped)} skipped test(s) count as failures", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def demo_farm():
    """The demo site in a throw-away farm (tests/demofarm.py), started once per session and shared
    by every test that drives the demo through real lighttpd. Needs root (it creates users)."""
    from demofarm import demo_farm as build
    farm = build()
    try:
        yield farm.start()
    finally:
        farm.cleanup()


@pytest.fixture(scope="session")
def demo_crawl(demo_farm):
    """Every page and link of the demo through real lighttpd (tests/demo_crawl.py)."""
    from demo_crawl import crawl_demo
    return crawl_demo(demo_farm)


@pytest.fixture(scope="session")
def demo_documents(demo_crawl):
    """The demo's pages, for the Nu Html Checker run (tests/nucheck.py)."""
    return demo_crawl.documents


# ----- databases: the data tests run on SQLite and on a real PostgreSQL server ----------------

@pytest.fixture(scope="session")
def postgresql():
    """One PostgreSQL server for the whole run (tests/pgserver.py), stopped at the end."""
    from pgserver import PostgresServer
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A fresh, empty database: (URL without password, password or None). SQLite: a file in the
    test's directory; PostgreSQL: a database and a role of its own on the shared server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db", None
        return
    server = request.getfixturevalue("postgresql")
    name, role, password = server.new_database()
    try:
        yield server.url(name, role, with_password=False), password
    finally:
        server.drop_database(name)
