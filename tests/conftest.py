"""Shared test configuration.

In CI (CI=true) a skipped test is a failure: everything the suite needs is installed by `make test`,
so a skip there means something that should have been tested was not.
"""
import os


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI=true: {len(skipped)} skipped test(s) count as failures", red=True)
        session.exitstatus = 1


# ----- databases: the data tests run on SQLite and on a real PostgreSQL server ----------------

import pytest  # noqa: E402


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
