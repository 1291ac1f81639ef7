"""The farm end to end: real lighttpd, real backends under their own users."""
import grp
import os
import pwd
import socket
import stat
import subprocess
import sys

import pytest

from farmkit import Farm, proc_ids, test_user
from pycopia_www.farm.accounts import FRONTEND_USER   # the default front-end user (H1)

APPLIANCE = """\
    hosts = ["appliance.test", "localhost"]
    default = true
    static = { "/static/" = "static" }

    [[backend]]
    name = "ui"
    user = "pwww-t-ui"
    prefix = "/"
    app = "testapps:whoami"
    workers = 2
    pythonpath = ["@APPS@"]
    environment = { GREETING = "hello from ui" }

    [[backend]]
    name = "api"
    user = "pwww-t-api"
    match = '^/(api|svc)(/|$)'
    app = "testapps:whoami"
    pythonpath = ["@APPS@"]

    [[backend]]
    name = "sys"
    user = "root"
    prefix = "/sys"
    app = "testapps:whoami"
    workers = 1
    pythonpath = ["@APPS@"]

    [[backend]]
    name = "probe"
    user = "pwww-t-api"
    prefix = "/probe"
    app = "testapps:read_state"
    workers = 1
    pythonpath = ["@APPS@"]
    """
DOCS = """\
    hosts = ["docs.test"]

    [[backend]]
    name = "docs"
    user = "pwww-t-docs"
    prefix = "/"
    app = "testapps:whoami"
    workers = 1
    pythonpath = ["@APPS@"]
    """


@pytest.fixture(scope="module")
def farm():
    f = Farm({"appliance": APPLIANCE, "docs": DOCS})
    try:
        yield f.start()
    finally:
        f.cleanup()


@pytest.mark.parametrize("path,ident,script_name,path_info", [
    ("/", "appliance.ui", "", "/"),
    ("/anything/else", "appliance.ui", "", "/anything/else"),
    ("/api/v1/x", "appliance.api", "", "/api/v1/x"),
    ("/svc", "appliance.api", "", "/svc"),
    ("/apix", "appliance.ui", "", "/apix"),
    ("/sys", "appliance.sys", "/sys", ""),
    ("/sys/info", "appliance.sys", "/sys", "/info"),
    ("/system", "appliance.ui", "", "/system"),
])
def test_prefixes_and_regexes_reach_their_backend(farm, path, ident, script_name, path_info):
    answer = farm.json(path)
    assert (answer["ident"], answer["script_name"], answer["path_info"]) == (ident, script_name, path_info)


def test_environment_reaches_backend(farm):
    assert farm.json("/")["greeting"] == "hello from ui"


@pytest.mark.parametrize("host,ident", [
    ("docs.test", "docs.docs"),
    ("DOCS.test", "docs.docs"),
    ("docs.test:8080", "docs.docs"),
    ("appliance.test", "appliance.ui"),
    ("127.0.0.1", "appliance.ui"),          # the listen address: the default virtual host
])
def test_host_header_selects_virtual_host(farm, host, ident):
    assert farm.json("/page", host=host)["ident"] == ident


def test_m6_unknown_host_names_are_misdirected_not_the_default_host(farm):
    """DNS rebinding (security review M6): a page of another site, resolved to the appliance,
    sends its own name; lighttpd refuses it before any backend or static file answers."""
    for path in ("/page", "/static/hello.txt", "/"):
        status, body = farm.request(path, host="rebind.attacker.example")
        assert status == 421 and b"Misdirected" in body
    assert farm.request("/page", host="appliance.test")[0] == 200


def test_static_alias_served_by_lighttpd(farm):
    assert farm.request("/static/hello.txt") == (200, b"static hello\n")
    status, _ = farm.request("/static/missing.txt")
    assert status == 404     # lighttpd's answer, not a backend's


@pytest.mark.parametrize("path", ["/static/../secret.txt", "/static/%2e%2e/secret.txt",
                                  "/static/..%2fsecret.txt", "/static/%2e%2e%2fsecret.txt"])
def test_static_alias_cannot_escape(farm, path):
    conn = socket.create_connection(("127.0.0.1", farm.port), timeout=5)
    conn.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
    reply = b""
    while chunk := conn.recv(65536):
        reply += chunk
    conn.close()
    assert b"outside the static tree" not in reply


def _backend_status(farm, ident):
    return farm.status()["backends"][ident]


@pytest.mark.parametrize("ident,user,workers,path,host", [
    ("appliance.ui", test_user("ui"), 2, "/", "localhost"),
    ("appliance.api", test_user("api"), 2, "/api", "localhost"),
    ("docs.docs", test_user("docs"), 1, "/", "docs.test"),
    ("appliance.sys", "root", 1, "/sys", "localhost"),
])
def test_processes_run_as_their_user(farm, ident, user, workers, path, host):
    s = _backend_status(farm, ident)
    pw = pwd.getpwnam(user)
    assert s["state"] == "running" and s["user"] == user
    assert len(s["workers"]) == workers
    for pid in [s["pid"], *s["workers"]]:
        ids = proc_ids(pid)
        assert ids["uid"] == (pw.pw_uid,) * 4, (pid, ids)
        assert ids["gid"] == (pw.pw_gid,) * 4, (pid, ids)
        if user != "root":
            assert set(ids["groups"]) == set(os.getgrouplist(user, pw.pw_gid))
    assert farm.json(path, host=host)["pid"] in s["workers"]   # answered by one of those workers


def test_lighttpd_runs_as_front_end_user(farm):
    s = farm.status()["lighttpd"]
    assert s["user"] == FRONTEND_USER
    assert proc_ids(s["pid"])["uid"][0] == pwd.getpwnam(FRONTEND_USER).pw_uid


def test_backend_processes_have_no_new_privs_and_no_capabilities(farm):
    pid = _backend_status(farm, "appliance.ui")["workers"][0]
    status = open(f"/proc/{pid}/status").read()
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert fields["NoNewPrivs"].strip() == "1"
    assert int(fields["CapEff"], 16) == 0 and int(fields["CapPrm"], 16) == 0


def test_sockets_are_0660_owned_by_backend_user_and_front_end_group(farm):
    sockets = farm.root / "var" / "run" / "sockets"
    d = sockets.stat()
    assert stat.S_IMODE(d.st_mode) == 0o750 and d.st_uid == 0
    assert d.st_gid == grp.getgrnam(FRONTEND_USER).gr_gid
    for ident, user in [("appliance.ui", test_user("ui")), ("appliance.api", test_user("api"))]:
        st = (sockets / f"{ident}.sock").stat()
        assert stat.S_ISSOCK(st.st_mode)
        assert stat.S_IMODE(st.st_mode) == 0o660
        assert st.st_uid == pwd.getpwnam(user).pw_uid
        assert st.st_gid == grp.getgrnam(FRONTEND_USER).gr_gid


def test_other_backend_user_cannot_connect_to_a_socket(farm):
    path = farm.root / "var" / "run" / "sockets" / "appliance.ui.sock"
    code = f"import socket; s = socket.socket(socket.AF_UNIX); s.connect({str(path)!r})"
    proc = subprocess.run([sys.executable, "-c", code], user=test_user("api"), group=test_user("api"),
                          extra_groups=[], capture_output=True, text=True)
    assert proc.returncode != 0 and "PermissionError" in proc.stderr


def test_state_directory_is_private(farm):
    state = farm.root / "var" / "state"
    ui = state / "appliance.ui"
    st = ui.stat()
    assert stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == pwd.getpwnam(test_user("ui")).pw_uid
    # Asked from inside the api backend's user: ui's state directory cannot be listed ...
    assert farm.request(f"/probe?{ui}") == (200, b"denied")
    # ... while its own can (the probe backend runs as pwww-t-api; appliance.api is its state)
    assert farm.request(f"/probe?{state / 'appliance.probe'}") == (200, b"readable")


def test_backend_cannot_regain_root(farm):
    """From a real worker's credentials: setuid(0) fails (the same check the backend makes itself)."""
    pid = _backend_status(farm, "appliance.ui")["workers"][0]
    uid = proc_ids(pid)["uid"][0]
    code = ("import os\nfor f in (lambda: os.setuid(0), lambda: os.seteuid(0), lambda: os.setgid(0)):\n"
            "    try:\n        f(); print('REGAINED')\n    except PermissionError:\n        pass\n")
    out = subprocess.run([sys.executable, "-c", code], user=uid, group=proc_ids(pid)["gid"][0],
                         extra_groups=[], capture_output=True, text=True)
    assert out.returncode == 0 and "REGAINED" not in out.stdout


def test_root_backend_is_logged_as_such(farm):
    log = (farm.root / "var" / "log" / "appliance.sys.log").read_text()
    assert "running as root" in log


def test_status_table_is_readable(farm):
    out = farm.ctl("status").stdout
    assert "appliance.ui" in out and test_user("ui") in out and "running" in out and "lighttpd" in out


def test_generated_config_passes_lighttpd_tt(farm):
    out = farm.ctl("check").stdout
    assert "configuration OK" in out
    printed = farm.ctl("config").stdout
    assert '$HTTP["host"] =~ "^(docs\\.test)(:[0-9]+)?$"' in printed
    assert '"check-local" => "disable"' in printed
