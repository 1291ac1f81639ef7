"""Browser tests: the demo site's own configuration in a throw-away farm (tests/demofarm.py: real
websitectl, lighttpd and backends under real users), driven by Debian's headless Chromium through
Playwright.
"""
from pathlib import Path

import pytest

from demofarm import farm_user  # noqa: F401  (the browser tests' own name for it)
from farmkit import is_root

CHROMIUM = Path("/usr/bin/chromium")

# Like the integration tests: the farm creates users and drops privileges. In CI (root) a skip
# is a failure (tests/conftest.py).
ROOT_ONLY = pytest.mark.skipif(not is_root(), reason="needs root: creates users, drops privileges")


def pytest_collection_modifyitems(config, items):
    here = str(Path(__file__).resolve().parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(ROOT_ONLY)


@pytest.fixture(scope="session")
def farm(demo_farm):
    return demo_farm


@pytest.fixture(scope="session")
def base_url(farm) -> str:
    return f"http://127.0.0.1:{farm.port}"


@pytest.fixture(scope="session")
def ui_state(farm) -> Path:
    """The ui backend's private state directory (its working directory)."""
    return farm.root / "var" / "state" / "appliance.ui"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it"
    with sync_playwright() as pw:
        # Root cannot use Chromium's sandbox; /dev/shm may be small in containers.
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                               args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, farm):
    context = browser.new_context()
    p = context.new_page()
    errors = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.errors = errors           # uncaught exceptions in the page, for tests to assert on
    try:
        yield p
    finally:
        context.close()


@pytest.fixture
def blank(page, base_url):
    """A page on the farm's origin with nothing of its own running."""
    page.goto(f"{base_url}/browser-test/blank.html")
    return page
