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
    """The front-end user (lighttpd's) replaces the file root copied lighttpd's output into, in
    its own log directory, with a symlink: root must not write through it when lighttpd
    restarts. (lighttpd opens its own logs there after dropping to that user.)"""
    target = scratch / "root-would-write-here"
    front_dir = farm.root / "var" / "log" / "lighttpd"
    front = front_dir.stat()
    planted = front_dir / "stderr.log"
    planted.unlink(missing_ok=True)
    os.symlink(target, planted)
    os.lchown(planted, front.st_uid, front.st_gid)
    before = farm.status()["lighttpd"]["pid"]
    kill(before)
    _wait_for(lambda: (s := farm.status()["lighttpd"])["state"] == "running" and s["pid"] != before)
    farm.wait_until_serving("/")
    assert not target.exists()
    log_dir = farm.root / "var" / "log"
    assert all(p.stat().st_uid == 0 for p in log_dir.glob("*.log"))      # root's, in root's dir
    assert log_dir.stat().st_uid == 0 and log_dir.stat().st_mode & 0o022 == 0


def test_l4_logs_are_not_world_readable(farm):
    log_dir = farm.root / "var" / "log"
    farm.request("/")
    assert log_dir.stat().st_mode & 0o007 == 0
    logs = list(log_dir.glob("*.log"))
    assert {p.name for p in logs} >= {"websitectl.log", "site.ui.log", "lighttpd.stderr.log"}
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
