"""The development loop's watcher (pycopia_www/farm/watch.py): which site files each backend runs,
read from the sources without importing them, and which changed, once the change has settled."""
import os
import textwrap
from pathlib import Path

import pytest

from pycopia_www.config import load_site
from pycopia_www.farm.watch import Watcher, backend_files

HOST = """\
    hosts = ["dev.test"]
    default = true
    [[backend]]
    name = "a"
    user = "nobody"
    prefix = "/"
    app = "devsite.a.urls"
    [[backend]]
    name = "b"
    user = "nobody"
    prefix = "/b"
    app = "devsite.b.urls"
    [[backend]]
    name = "auth"
    user = "nobody"
    prefix = "/auth"
    app = "pycopia_www.auth.urls"
    """
FILES = {
    "devsite/__init__.py": "",
    "devsite/common.py": "from devsite.util.text import shout\n",
    "devsite/util/__init__.py": "",
    "devsite/util/text.py": "def shout(s):\n    return s.upper()\n",
    "devsite/unused.py": "",
    "devsite/a/__init__.py": "",
    "devsite/a/urls.py": """\
        from pycopia_www.urls import route
        V = "devsite.a.views."
        routes = [route(r"^/$", V + "home"), route(r"^/x$", "devsite.shared.pages:page")]
        """,
    "devsite/a/views.py": """\
        import json
        from . import forms
        from ..common import shout
        def home(request):
            from devsite.late import value      # imported when called: still its file
            return shout("a")
        """,
    "devsite/a/forms.py": "",
    "devsite/a/helper.py": "",                  # in the package: counts, imported or not
    "devsite/late.py": "value = 1\n",
    "devsite/shared/__init__.py": "",
    "devsite/shared/pages.py": "",
    "devsite/b/__init__.py": "",
    "devsite/b/urls.py": """\
        from pycopia_www.urls import route
        import devsite.b.setup
        routes = [route(r"^/$", "devsite.b.views.home")]
        """,
    "devsite/b/setup.py": "",
    "devsite/b/views.py": "def home(request):\n    return 'b'\n",
}


@pytest.fixture()
def site(tmp_path):
    for name, text in FILES.items():
        path = tmp_path / "site" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (tmp_path / "etc" / "backends.d").mkdir(parents=True)
    (tmp_path / "etc" / "farm.toml").write_text('pythonpath = ["site"]\n')
    (tmp_path / "etc" / "backends.d" / "dev.toml").write_text(textwrap.dedent(HOST))
    return load_site(tmp_path / "etc" / "farm.toml")


def names(site, files) -> set[str]:
    root = Path(site.import_paths(site.backends[0])[0])
    return {str(p.relative_to(root)) for p in files}


def test_a_backend_runs_its_package_what_it_imports_and_the_route_tables(site):
    a, b, auth = site.backends
    assert names(site, backend_files(site, a)) == {
        "devsite/__init__.py", "devsite/a/__init__.py", "devsite/a/urls.py", "devsite/a/views.py",
        "devsite/a/forms.py", "devsite/a/helper.py",              # the package, relative imports
        "devsite/common.py", "devsite/util/__init__.py", "devsite/util/text.py",   # transitively
        "devsite/late.py",                                         # an import inside a function
        "devsite/shared/__init__.py", "devsite/shared/pages.py",   # named by the route table
        "devsite/b/urls.py",                  # b's routes are in a's URL map; not what they import
    }
    assert names(site, backend_files(site, b)) == {
        "devsite/__init__.py", "devsite/b/__init__.py", "devsite/b/urls.py", "devsite/b/setup.py",
        "devsite/b/views.py", "devsite/a/urls.py"}
    # the framework's own backend: only the site's route modules are the site's
    assert names(site, backend_files(site, auth)) == {"devsite/a/urls.py", "devsite/b/urls.py"}


def touch(path: Path, text: str | None = None) -> None:
    if text is not None:
        path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def settle(watcher, now):
    """Poll twice, an interval apart: the first sees the change, the second that it stayed."""
    assert watcher.poll(now) is None
    return watcher.poll(now + watcher.interval)


def test_a_change_is_reported_once_it_has_settled_and_only_for_its_backends(site):
    root = Path(site.import_paths(site.backends[0])[0])
    watcher = Watcher(site, interval=1.0)
    assert watcher.poll(0.0) is None
    assert watcher.poll(0.5) is None                    # not yet due
    touch(root / "devsite/util/text.py")
    changes = settle(watcher, 1.0)
    assert changes.backends == {"dev.a"} and not changes.config
    assert changes.paths == {root / "devsite/util/text.py"}
    assert watcher.poll(3.0) is None                    # reported once
    touch(root / "devsite/b/urls.py")                   # a route table: every backend's URL map
    assert settle(watcher, 4.0).backends == {"dev.a", "dev.b", "dev.auth"}
    # two writes a poll apart (an editor's save) are one change, reported after the last
    touch(root / "devsite/b/views.py")
    assert watcher.poll(6.0) is None
    touch(root / "devsite/b/views.py", "def home(request):\n    return 'B'\n")
    assert settle(watcher, 7.0).backends == {"dev.b"}


def test_editor_files_do_not_count_but_a_new_module_in_the_package_does(site):
    root = Path(site.import_paths(site.backends[0])[0])
    watcher = Watcher(site, interval=1.0)
    watcher.poll(0.0)
    (root / "devsite/a/.views.py.swp").write_text("x")
    (root / "devsite/a/views.py~").write_text("x")
    (root / "devsite/a/4913").write_text("x")
    assert settle(watcher, 1.0) is None
    (root / "devsite/a/new.py").write_text("")
    assert settle(watcher, 3.0).backends == {"dev.a"}
    watcher.restarted("dev.a")                          # after its restart: read its files again
    assert root / "devsite/a/new.py" in watcher.files["dev.a"]
    touch(root / "devsite/a/new.py")
    assert settle(watcher, 5.0).backends == {"dev.a"}


def test_the_configuration_changing_means_a_reload_and_a_deferred_restart_comes_back(site):
    watcher = Watcher(site, interval=1.0)
    watcher.poll(0.0)
    touch(site.farm.backends_dir / "dev.toml")
    assert settle(watcher, 1.0).config
    (site.farm.backends_dir / "other.toml").write_text("")     # a new virtual host file
    assert settle(watcher, 3.0).config
    watcher.defer("dev.b")
    assert watcher.poll(5.0).backends == {"dev.b"}      # asked again at the next poll
    assert watcher.poll(6.0) is None
