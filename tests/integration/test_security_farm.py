"""Findings of the security review (../shared/reviews/security-review.md) about the farm itself,
each shown through a real farm with real users; the test names carry the finding's id."""
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

import pytest

from farmkit import Farm, kill

PY_VERSION = f"python{sys.version_info.major}.{sys.version_info.minor}"
SITE = """\
    hosts = ["localhost"]
    default = true

    [[backend]]
    name = "ui"
    user = "pwww-t-ui"
    prefix = "/"
    app = "testapps:whoami"
    workers = 1
    pythonpath = ["@APPS@"]
    """


def _wait_for(predicate, within=15.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def scratch():
    """A directory every backend user can traverse (pytest's own tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="pwww-sec-", dir="/tmp"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def user_site_python(scratch):
    """An interpreter whose user site-packages are enabled (a venv made with
    --system-site-packages), that can still import the farm: the case where a usercustomize.py
    under $HOME runs at start-up."""
    venv = scratch / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", "--without-pip",
                    str(venv)], check=True)
    own = Path(sysconfig.get_paths()["purelib"])        # the project's venv: pycopia_www, lxml...
    (venv / "lib" / PY_VERSION / "site-packages" / "project.pth").write_text(
        f"import site; site.addsitedir({str(own)!r})\n")
    python = str(venv / "bin" / "python")
    enabled = subprocess.run([python, "-c", "import site; print(site.ENABLE_USER_SITE)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert enabled == "True"
    return python


def test_h2_a_backend_user_cannot_plant_code_that_root_runs_at_restart(user_site_python, scratch):
    marker_dir = scratch / "marker"
    marker_dir.mkdir(mode=0o777)
    os.chmod(marker_dir, 0o777)
    marker = marker_dir / "ran-as"
    f = Farm({"site": SITE}, python=user_site_python)
    try:
        f.start()
        state = f.root / "var" / "state" / "site.ui"
        planted = state / ".local" / "lib" / PY_VERSION / "site-packages"
        planted.mkdir(parents=True)
        (planted / "usercustomize.py").write_text(
            f"import os\nopen({str(marker)!r}, 'a').write(f'{{os.getuid()}}\\n')\n")
        uid, gid = state.stat().st_uid, state.stat().st_gid
        for path in [planted, *planted.parents]:
            if path == state:
                break
            os.chown(path, uid, gid)
        os.chown(planted / "usercustomize.py", uid, gid)
        # The plant works: this interpreter, started as root with that HOME, runs it.
        subprocess.run([user_site_python, "-c", "pass"], env={"HOME": str(state)}, check=True)
        assert marker.read_text() == "0\n"
        marker.unlink()
        before = f.status()["backends"]["site.ui"]["pid"]
        kill(before)
        _wait_for(lambda: (s := f.status()["backends"]["site.ui"])["state"] == "running"
                  and s["pid"] not in (None, before))
        f.wait_until_serving("/")
        assert f.json("/")["uid"] == uid
        assert not marker.exists() or "0" not in marker.read_text().split()
    finally:
        f.cleanup()


def test_h2_python_variables_cannot_be_configured_for_a_backend():
    f = Farm({"site": SITE.replace('pythonpath = ["@APPS@"]',
                                   'environment = { PYTHONPATH = "@APPS@" }')})
    try:
        proc = f.ctl("check", check=False)
        assert proc.returncode == 2
        assert "backend[0].environment.PYTHONPATH" in proc.stderr and "pythonpath" in proc.stderr
    finally:
        f.cleanup()


@pytest.fixture
def farm():
    f = Farm({"site": SITE})
    try:
        yield f.start()
    finally:
        f.cleanup()


def test_m3_the_front_end_user_cannot_make_root_write_through_a_symlink(farm, scratch):
    """lighttpd opens no log file: its error and access logs are pipes to the supervisor, which
    writes them as root into the root-owned log directory, where the front-end user can plant
    nothing; and root opens a log without following a symlink, so one planted by anyone else
    (here: as root, standing in for a mistake) stops the write instead of redirecting it."""
    log_dir = farm.root / "var" / "log"
    assert log_dir.stat().st_uid == 0 and log_dir.stat().st_mode & 0o022 == 0
    assert not [p for p in log_dir.iterdir() if p.is_dir()]        # no directory of lighttpd's
    pid = farm.status()["lighttpd"]["pid"]
    opened = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    assert not [p for p in opened if p.startswith(str(log_dir))]
    target = scratch / "root-would-write-here"
    planted = log_dir / "lighttpd.error.log"
    planted.unlink()
    os.symlink(target, planted)
    before = farm.status()["lighttpd"]["pid"]
    kill(before)
    _wait_for(lambda: (s := farm.status()["lighttpd"])["state"] == "running" and s["pid"] != before)
    farm.wait_until_serving("/")        # served on; that log's lines are dropped, said in the other
    assert not target.exists() and planted.is_symlink()
    assert "lighttpd.error.log" in (log_dir / "websitectl.log").read_text()
    assert all(p.stat().st_uid == 0 for p in log_dir.glob("*.log") if not p.is_symlink())


def test_l4_logs_are_not_world_readable(farm):
    log_dir = farm.root / "var" / "log"
    farm.request("/")
    assert log_dir.stat().st_mode & 0o007 == 0
    logs = list(log_dir.glob("*.log"))
    assert {p.name for p in logs} >= {"websitectl.log", "site.ui.log", "lighttpd.error.log",
                                      "lighttpd.access.log"}
    for path in logs:
        assert path.stat().st_mode & 0o007 == 0, (path, oct(path.stat().st_mode))


def test_l13_the_supervisor_holds_no_inheritable_socket(farm):
    pid = farm.status()["supervisor"]["pid"]
    sockets = [fd for fd in os.listdir(f"/proc/{pid}/fd")
               if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")]
    assert len(sockets) >= 2            # the backend's listening socket, the control socket, ...
    for fd in sockets:
        flags = next(line for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines()
                     if line.startswith("flags:"))
        assert int(flags.split()[1], 8) & os.O_CLOEXEC, (fd, flags)


def test_l9_backend_output_cannot_drive_the_operators_terminal_or_grow_without_bound():
    f = Farm({"site": SITE.replace('app = "testapps:whoami"', 'app = "noisy"')})
    try:
        f.ctl("setup")
        proc = subprocess.Popen([*f.websitectl, "--farm", str(f.farm_file), "start", "--foreground"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        chunks = []         # read as it comes, as a terminal would: the supervisor never waits
        reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stderr.read(65536), b"")))
        reader.start()
        try:
            f.wait_until_serving("/", within=30)
        finally:
            proc.send_signal(15)
            proc.wait(60)
            reader.join(10)
        err = b"".join(chunks)
        echoed = [line for line in err.split(b"\n") if line.startswith(b"[site.ui]")]
        assert any(b"red" in line for line in echoed)
        assert b"\x1b" not in err and b"\x07" not in err
        assert b"\\x1b[31mred" in err           # shown, escaped
        assert max(len(line) for line in echoed) <= 65536 + 100
        assert sum(line.count(b"x") for line in echoed) >= 300_000      # nothing lost
    finally:
        f.cleanup()


def test_l3_the_first_admins_password_comes_from_a_file_never_a_command_line(scratch):
    from farmkit import Browser
    from test_auth import MAIN
    secret = scratch / "admin.pw"
    secret.write_text("from-a-file-1\n")
    f = Farm({"main": MAIN})
    try:
        env = {**os.environ, "ADMIN_PASSWORD_FILE": str(secret)}
        proc = subprocess.run([*f.websitectl, "--farm", str(f.farm_file), "setup"], env=env,
                              capture_output=True, text=True, timeout=120, check=True)
        assert "with the password from ADMIN_PASSWORD" in proc.stdout and "from-a-file" not in proc.stdout
        f.ctl("start")
        assert Browser(f).login("admin", "from-a-file-1", "/g/")[0] == 303
    finally:
        f.cleanup()
    # make refuses the password on its command line, where `ps` would show it to everyone.
    make = subprocess.run(["make", "-n", "run", "ADMIN_PASSWORD=on-the-command-line"],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True)
    assert make.returncode != 0 and "ADMIN_PASSWORD_FILE" in make.stderr


def test_l2_every_page_carries_the_browser_hardening_and_private_pages_are_not_stored(scratch):
    from farmkit import Browser
    from test_auth import MAIN, user
    f = Farm({"main": MAIN.replace("default = true\n",
                                   'default = true\n    static = { "/media/" = "static" }\n', 1)})
    try:
        f.start()
        user(f, "add", "ann", "--roles", "admin", password="ann-pw-1")
        b = Browser(f)
        status, headers, _ = b.get("/auth/login")                  # a public page
        assert status == 200
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin" and headers["X-Frame-Options"] == "SAMEORIGIN"
        assert "no-store" not in headers.get("Cache-Control", "")
        assert b.login()[0] == 303
        status, headers, _ = b.get("/g/")                          # a logged-in user's page
        assert status == 200 and headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
        status, headers, _ = b.get("/media/hello.txt")             # a file lighttpd serves
        assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    finally:
        f.cleanup()
