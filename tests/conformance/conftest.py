"""Conformance tests: the demo site, through real lighttpd (one demo farm per session, see
tests/demofarm.py), checked with the outside tools its users bring: third-party JSON-RPC clients
(PyPI's jsonrpcclient, npm's jayson) and the W3C Nu Html Checker (vnu.jar on Debian's Java).
Where the tools come from: tests/outside_tools.py."""
from pathlib import Path

import pytest

from farmkit import is_root

HERE = Path(__file__).resolve().parent

ROOT_ONLY = pytest.mark.skipif(not is_root(), reason="needs root: the demo farm creates users")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(item.fspath).startswith(str(HERE)):
            item.add_marker(ROOT_ONLY)


@pytest.fixture(scope="session")
def base_url(demo_farm) -> str:
    return f"http://127.0.0.1:{demo_farm.port}"
