import pytest

from farmkit import is_root

# Integration tests need root: they create system users and really drop privileges. CI runs as
# root, where a skip counts as a failure (see tests/conftest.py).
ROOT_ONLY = pytest.mark.skipif(not is_root(), reason="needs root: creates users, drops privileges")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(ROOT_ONLY)
