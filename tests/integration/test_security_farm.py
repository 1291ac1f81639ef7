"""Findings of the security review (../shared/reviews/security-review.md) about the farm itself,
each shown through a real farm with real users; the test names carry the finding's id."""
import json
import os
import pwd
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


@pytest.fixture(scope="module")
def auth_farm():
    from test_auth import MAIN
    f = Farm({"main": MAIN})
    try:
        yield f.start()
    finally:
        f.cleanup()


def _key(farm) -> bytes:
    return (farm.root / "var" / "state" / "identity" / "main.key").read_bytes()


def test_h1_a_forged_identity_on_a_direct_fastcgi_connection_is_refused(auth_farm):
    """Whoever reaches a protected backend's socket without lighttpd (a co-tenant of the front
    end's group, another backend, a network peer of a remote backend) and claims a user is
    refused: only the authorizer's signed word counts."""
    import fcgi_client
    from pycopia_www import authproof
    from test_auth import hits
    sock = auth_farm.root / "var" / "run" / "sockets" / "main.g.sock"
    claim = {"REMOTE_USER": "ann", "PWWW_ROLES": "admin", "PWWW_AUTHZ_PATH": "/g/admin"}
    request = {"SCRIPT_NAME": "/g", "HTTP_HOST": "main.test"}
    before = len(hits(auth_farm))
    for forged in (claim,                                                    # no proof at all
                   {**authproof.sign(b"\x01" * 32, claim)},                  # another key
                   {**authproof.sign(_key(auth_farm), claim), "PWWW_ROLES": "admin,ops"},  # altered
                   authproof.sign(_key(auth_farm), claim, now=time.time() - 120)):          # stale
        reply = fcgi_client.get(sock, "/admin", **request, **forged)
        assert reply.status == 403 and b"not authorized" in reply.body, reply
    assert len(hits(auth_farm)) == before                   # the application never saw them
    # The authorizer's word, as it signs it, passes (the key is root's alone).
    reply = fcgi_client.get(sock, "/admin", **request, **authproof.sign(_key(auth_farm), claim))
    assert reply.status == 200 and json.loads(reply.body)["REMOTE_USER"] == "ann", reply


def test_h1_neither_www_data_nor_another_backend_can_reach_a_backend_socket(auth_farm):
    from farmkit import test_user
    from pycopia_www.farm.accounts import FRONTEND_USER
    from pycopia_www.privileges import Credentials, spawn_as
    sockets = sorted((auth_farm.root / "var" / "run" / "sockets").glob("*.sock"))
    assert len(sockets) >= 2
    probe = ("import socket, sys\n"
             "for path in sys.argv[1:]:\n"
             "    s = socket.socket(socket.AF_UNIX)\n"
             "    try:\n"
             "        s.connect(path); print('connected', path)\n"
             "    except PermissionError:\n"
             "        print('refused', path)\n")
    for user in ("www-data", test_user("ui")):      # a co-tenant web stack; the g backend's user
        proc = spawn_as(Credentials.lookup(user), [sys.executable, "-c", probe, *map(str, sockets)],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd="/")
        out = proc.communicate(timeout=30)[0]
        assert out.count("refused") == len(sockets) and "connected" not in out, (user, out)
    assert pwd.getpwnam(FRONTEND_USER).pw_name != "www-data"


@pytest.mark.parametrize("line, key", [('user = "pwww-front"', "backend[0].user"),
                                       ('user = "pwww-t-ui"\n    group = "pwww-front"', "backend[0].group")])
def test_h1_a_backend_sharing_the_front_ends_identity_is_refused(line, key):
    f = Farm({"site": SITE.replace('user = "pwww-t-ui"', line)})
    try:
        proc = f.ctl("setup", check=False)
        assert proc.returncode == 2 and f"{key}:" in proc.stderr and "front-end" in proc.stderr, proc.stderr
    finally:
        f.cleanup()


def _listening(port) -> bool:
    import socket as sockets
    try:
        sockets.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_m5_a_remote_backend_admits_the_front_end_alone_and_only_its_signed_word(scratch):
    """A backend served on TCP (websitectl serve) closes connections from anywhere but its
    allow_from, and, protected, takes a user only with the authorizer's proof (H1's)."""
    import socket as sockets

    import fcgi_client
    from farmkit import REPO, Browser, free_port, test_user
    from test_auth import BACKENDS, user
    port = free_port()
    remote = f"""\
        [[backend]]
        name = "far"
        user = "{test_user('far')}"
        prefix = "/far"
        app = "testapps:whoami"
        auth = "required"
        workers = 1
        addresses = ["127.0.0.1:{port}"]
        allow_from = ["127.0.0.1"]          # where this farm's lighttpd connects from
        pythonpath = ["@APPS@"]
        """
    f = Farm({"main": 'hosts = ["main.test"]\ndefault = true\n[auth]\nbackend = "auth"\n'
                      + BACKENDS + remote})
    server = None
    try:
        f.start()
        user(f, "add", "ann", "--roles", "admin", password="ann-pw-1")
        server = subprocess.Popen([*f.websitectl, "--farm", str(f.farm_file), "serve", "main.far",
                                   "--listen", f"127.0.0.1:{port}"], cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        _wait_for(lambda: _listening(port))
        b = Browser(f)
        assert b.login(next_="/far/")[0] == 303
        status, _, body = b.get("/far/x")                            # through lighttpd: served
        assert status == 200 and json.loads(body)["path_info"] == "/x"
        # From another address of this machine: closed before a byte is read.
        peer = sockets.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.2", 0))
        peer.sendall(fcgi_client.request_bytes(fcgi_client.cgi_params("/far/x", REMOTE_USER="ann")))
        try:
            assert peer.recv(100) == b""
        except ConnectionResetError:
            pass
        peer.close()
        # From the allowed address but not through the authorizer: a claimed user is refused.
        reply = fcgi_client.get(("127.0.0.1", port), "/x", SCRIPT_NAME="/far", HTTP_HOST="main.test",
                                REMOTE_USER="ann", PWWW_ROLES="admin", PWWW_AUTHZ_PATH="/far/x")
        assert reply.status == 403, reply
    finally:
        if server is not None:
            server.kill()
            server.wait()
        f.cleanup()
