"""Shared test configuration.

In CI (CI=true) a skipped test is a failure: everything the suite needs is installed by `make test`,
so a skip there means something that should have been tested was not.

At the end, the system accounts this run's test farms created are removed (farmkit.test_user:
their names carry this run's id, so other runs' accounts are never touched).
"""
import os

import farmkit


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
