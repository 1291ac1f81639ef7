"""The development loop through the real farm: `websitectl start --foreground --reload` restarts
a backend when one of its files changes (its own views, what they import from the site, its
route module), only that backend, as `reload` replaces it; a change that does not load keeps the
old workers serving; a change of the configuration is a reload; --reload without --foreground
is refused."""
import subprocess
import textwrap
import time

import pytest

from farmkit import REPO, Farm

HOST = """\
    hosts = ["localhost"]
    default = true

    [[backend]]
    name = "a"
    user = "pwww-t-ui"
    prefix = "/"
    app = "devsite.a.urls"
    workers = 1
    pythonpath = ["@SITE@"]

    [[backend]]
    name = "b"
    user = "pwww-t-api"
    prefix = "/b"
    app = "devsite.b.urls"
    workers = 1
    pythonpath = ["@SITE@"]
    """
FILES = {
    "devsite/__init__.py": "",
    "devsite/common.py": 'GREETING = "v1"\n',
    "devsite/a/__init__.py": "",
    "devsite/a/urls.py": """\
        from pycopia_www.urls import route
        routes = [route(r"^/$", "devsite.a.views.home", name="a-home")]
        """,
    "devsite/a/views.py": """\
        from devsite.common import GREETING
        def home(request):
            return f"a {GREETING}"
        """,
    "devsite/b/__init__.py": "",
    "devsite/b/urls.py": """\
        from pycopia_www.urls import route
        routes = [route(r"^/$", "devsite.b.views.home", name="b-home")]
        """,
    "devsite/b/views.py": """\
        def home(request):
            return "b one"
        """,
}


def write(root, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    for directory in (root, *path.relative_to(root).parents):
        (root / directory).chmod(0o755)
    path.write_text(textwrap.dedent(text))
    path.chmod(0o644)


@pytest.fixture()
def dev():
    f = Farm({})
    site = f.root / "site"
    for name, text in FILES.items():
        write(site, name, text)
    f.write_vhost("dev", HOST.replace("@SITE@", str(site)))
    f.site = site
    try:
        f.ctl("setup")
        yield f
    finally:
        f.cleanup()


def get(f, path: str) -> str:
    status, body = f.request(path)
    return f"{status} {body.decode()}"


def wait_for(f, path: str, text: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if get(f, path) == f"200 {text}":
            return
        time.sleep(0.1)
    raise AssertionError(f"{path} did not become {text!r}: {get(f, path)}\n{f.logs()}")


def times_said(f, text: str) -> int:
    """How many times the supervisor's log has said `text` so far."""
    return (f.root / "foreground.log").read_text().count(text)


def wait_for_log(f, text: str, more_than: int = 0, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while times_said(f, text) <= more_than:
        assert time.monotonic() < deadline, f"no new {text!r} in the log\n{f.logs()}"
        time.sleep(0.1)


def masters(f) -> dict:
    return {name: b["pid"] for name, b in f.status()["backends"].items()}


def settled(f) -> dict:
    """The master pids once no backend is between two masters."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = f.status()
        if not any(b["reloading"] for b in status["backends"].values()):
            return masters(f)
        time.sleep(0.1)
    raise AssertionError(f"still reloading\n{f.logs()}")


def test_reload_needs_the_foreground(dev):
    proc = dev.ctl("start", "--reload", check=False)
    assert proc.returncode == 2
    assert "--reload" in proc.stderr and "needs --foreground" in proc.stderr
    assert dev.status() == {"running": False}


def test_a_backend_restarts_for_its_own_files_only(dev):
    log = open(dev.root / "foreground.log", "wb")
    supervisor = subprocess.Popen([*dev.websitectl, "--farm", str(dev.farm_file), "start",
                                   "--foreground", "--reload"], cwd=REPO,
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        dev.wait_until_serving("/", within=60)
        dev.wait_until_serving("/b/", within=30)
        assert get(dev, "/") == "200 a v1" and get(dev, "/b/") == "200 b one"
        first = settled(dev)
        # a's view: a restarts, b does not
        write(dev.site, "devsite/a/views.py", FILES["devsite/a/views.py"].replace('f"a ', 'f"A '))
        wait_for(dev, "/", "A v1")
        second = settled(dev)
        assert second["dev.a"] != first["dev.a"] and second["dev.b"] == first["dev.b"]
        # what a's view imports from the site: a again, not b
        write(dev.site, "devsite/common.py", 'GREETING = "v2"\n')
        wait_for(dev, "/", "A v2")
        third = settled(dev)
        assert third["dev.a"] != second["dev.a"] and third["dev.b"] == first["dev.b"]
        # b's view broken: a master imports its handlers before it forks, so the new b does not
        # load and the old one keeps serving, until the view is fixed
        write(dev.site, "devsite/b/views.py", "def home(request:\n")
        wait_for_log(dev, "dev.b: reloaded master pid")
        assert settled(dev) == third and get(dev, "/b/") == "200 b one"
        write(dev.site, "devsite/b/views.py", FILES["devsite/b/views.py"].replace("one", "two"))
        wait_for(dev, "/b/", "b two")
        fourth = settled(dev)
        assert fourth["dev.b"] != first["dev.b"] and fourth["dev.a"] == third["dev.a"]
        # b's route module is in every backend's URL map: both restart for it. Broken, neither
        # new master loads, and the old ones keep serving; fixed, the new route serves.
        failed_b = times_said(dev, "dev.b: reloaded master pid")
        write(dev.site, "devsite/b/urls.py", "routes = [\n")
        wait_for_log(dev, "dev.a: reloaded master pid")
        wait_for_log(dev, "dev.b: reloaded master pid", more_than=failed_b)
        assert settled(dev) == fourth and get(dev, "/") == "200 A v2" and get(dev, "/b/") == "200 b two"
        write(dev.site, "devsite/b/urls.py", FILES["devsite/b/urls.py"].replace(
            "]", ', route(r"^/new$", "devsite.b.views.home", name="b-new")]'))
        wait_for(dev, "/b/new", "b two")
        fifth = settled(dev)
        assert fifth["dev.a"] != fourth["dev.a"] and fifth["dev.b"] != fourth["dev.b"]
        # the configuration: a reload (a new generation)
        generation = dev.status()["supervisor"]["generation"]
        vhost = dev.root / "etc" / "backends.d" / "dev.toml"
        vhost.write_text(vhost.read_text().replace("workers = 1", "workers = 2", 1))
        deadline = time.monotonic() + 30
        while dev.status()["supervisor"]["generation"] == generation:
            assert time.monotonic() < deadline, dev.logs()
            time.sleep(0.1)
        settled(dev)
        assert len(dev.status()["backends"]["dev.a"]["workers"]) == 2
        assert get(dev, "/") == "200 A v2"
    finally:
        supervisor.terminate()
        supervisor.wait(60)
        log.close()
    said = (dev.root / "foreground.log").read_text()
    assert "dev.a: devsite/a/views.py changed; restarting it" in said.replace(str(dev.site) + "/", "")
    assert "the configuration changed" in said
