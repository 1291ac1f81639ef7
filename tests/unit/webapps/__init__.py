"""Small route modules and handlers for the web layer's unit tests, and a site that uses them.

Virtual host "main" (the default): ui on "/", api on match '^/(api|status)(/|$)', admin on
"/admin", static "/media/". Virtual host "docs": one backend on "/".
"""
import tempfile
import textwrap
from pathlib import Path

from pycopia_www.config import load_site

REPO = Path(__file__).resolve().parents[3]

MAIN = """\
    hosts = ["main.test", "www.main.test"]
    default = true
    static = { "/media/" = "media" }

    [[backend]]
    name = "ui"
    user = "nobody"
    prefix = "/"
    app = "webapps.ui.urls"

    [[backend]]
    name = "api"
    user = "nobody"
    match = '^/(api|status)(/|$)'
    app = "webapps.api.urls"

    [[backend]]
    name = "admin"
    user = "nobody"
    prefix = "/admin"
    app = "webapps.admin.urls"
    debug = true
    """

DOCS = """\
    hosts = ["docs.test"]

    [[backend]]
    name = "docs"
    user = "nobody"
    prefix = "/"
    app = "webapps.docs.urls"
    """


def one_backend(name: str, app: str) -> str:
    """A virtual host (name.test) with one backend on "/" running the route module `app`."""
    return f"""\
    hosts = ["{name}.test"]
    [[backend]]
    name = "{name}"
    user = "nobody"
    prefix = "/"
    app = "{app}"
    """


def make_site(tmp_path: Path, port: int = 80, **hosts: str):
    """Write the configuration under tmp_path and load it. hosts: file stem -> TOML text,
    replacing the default pair (main, docs)."""
    (tmp_path / "etc" / "backends.d").mkdir(parents=True)
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "logo.txt").write_text("logo\n")
    (tmp_path / "etc" / "farm.toml").write_text(
        f'port = {port}\n')
    for name, text in (hosts or {"main": MAIN, "docs": DOCS}).items():
        (tmp_path / "etc" / "backends.d" / f"{name}.toml").write_text(textwrap.dedent(text))
    return load_site(tmp_path / "etc" / "farm.toml")


def track_spooled_files(monkeypatch) -> list:
    """Record every SpooledTemporaryFile created from now on (uploads), to check they are closed."""
    created = []

    class Tracking(tempfile.SpooledTemporaryFile):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            created.append(self)
    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", Tracking)
    return created
