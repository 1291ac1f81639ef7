"""HTTPS by default, end to end: real lighttpd with mod_openssl, certificates made by setup (or
issued by a throw-away CA, standing in for an operator's), checked by Python's ssl against
exactly the certificate expected; plain HTTP redirects; lighttpd as the front-end user."""
import os
import pwd
import socket
import ssl
import subprocess
import time

import pytest

from farmkit import Farm, proc_ids
from pycopia_www.farm.accounts import FRONTEND_USER   # the default front-end user (H1)
from pycopia_www.farm.procfs import alive
from tlskit import issue, make_ca

BACKEND = """
    [[backend]]
    name = "web"
    user = "pwww-t-ui"
    prefix = "/"
    app = "testapps:whoami"
    workers = 1
    pythonpath = ["@APPS@"]
    """
BOX = 'hosts = ["box.test", "localhost"]\ndefault = true\n' + BACKEND
PORTAL = 'hosts = ["portal.test"]\nredirect_to_https = false     # a captive portal page\n' + BACKEND


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("ca"))[0]


@pytest.fixture(scope="module")
def farm(ca):
    cert, key = issue(ca.parent, "shop", "shop.test")
    shop = f'hosts = ["shop.test"]\ntls = {{ cert = "{cert}", key = "{key}" }}\n' + BACKEND
    f = Farm({"box": BOX, "portal": PORTAL, "shop": shop},
             farm_extra="redirect_to_https = true\n[logs]\nmax_size = 4096\nkeep = 1\n")
    try:
        yield f.start()
    finally:
        f.cleanup()


def test_each_host_serves_its_own_certificate(farm, ca):
    status, _, body = farm.https("/", "localhost", trust=farm.certificate("box"))
    assert status == 200 and b'"scheme": "https"' in body
    assert farm.https("/", "box.test", trust=farm.certificate("box"))[0] == 200
    assert farm.https("/", "portal.test", trust=farm.certificate("portal"))[0] == 200
    assert farm.https("/", "shop.test", trust=ca)[0] == 200         # the configured one (SNI)
    with pytest.raises(ssl.SSLCertVerificationError):
        farm.https("/", "portal.test", trust=farm.certificate("box"))


def test_a_client_without_sni_gets_the_default_host_for_the_address(farm):
    context = ssl.create_default_context(cafile=str(farm.certificate("box")))
    with socket.create_connection(("127.0.0.1", farm.tls_port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:   # an IP: no SNI
            assert tls.getpeercert()["subjectAltName"][:2] == (("DNS", "box.test"), ("DNS", "localhost"))


def test_plain_http_redirects_to_https_keeping_path_query_and_method(farm):
    for method in ("GET", "POST"):
        conn_status, headers = _plain(farm, method, "/a/b?x=1&y=2", "box.test")
        assert conn_status == 308
        assert headers["Location"] == f"https://box.test:{farm.tls_port}/a/b?x=1&y=2"


def test_a_host_may_stay_on_plain_http(farm):
    status, body = farm.request("/", "portal.test")
    assert status == 200 and b'"scheme": "http"' in body


def test_no_host_no_plain_http_answer(farm):
    with socket.create_connection(("127.0.0.1", farm.port), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert s.recv(64).startswith(b"HTTP/1.0 403")


def test_strict_transport_security_only_with_a_certificate_that_is_not_self_signed(farm, ca):
    _, headers, _ = farm.https("/", "shop.test", trust=ca)
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    _, headers, _ = farm.https("/", "localhost", trust=farm.certificate("box"))
    assert "Strict-Transport-Security" not in headers


def test_only_modern_protocols_and_ciphers(farm):
    def handshake(*options):
        return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{farm.tls_port}",
                               "-servername", "localhost", *options], input="", capture_output=True,
                              text=True, timeout=30)
    old = handshake("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert old.returncode != 0 and "alert protocol version" in old.stderr
    cbc = handshake("-tls1_2", "-cipher", "AES128-SHA")
    assert cbc.returncode != 0 and "handshake failure" in cbc.stderr
    for version in ("-tls1_2", "-tls1_3"):
        ok = handshake(version)
        assert ok.returncode == 0 and "Cipher is (NONE)" not in ok.stdout, ok.stdout[-500:]


def test_lighttpd_is_the_front_end_user_from_its_first_instruction(farm):
    pid = farm.status()["lighttpd"]["pid"]
    www = pwd.getpwnam(FRONTEND_USER)
    ids = proc_ids(pid)
    assert ids["uid"] == (www.pw_uid,) * 4 and ids["gid"] == (www.pw_gid,) * 4
    with open(f"/proc/{pid}/status") as f:
        assert "NoNewPrivs:\t1" in f.read()
    generated = (farm.root / "var" / "run" / "lighttpd" / "farm.conf").read_text()
    assert "server.username" not in generated       # nothing to drop: it never had root
    key = farm.root / "var" / "run" / "lighttpd" / "tls" / "box.key"
    assert os.stat(key).st_uid == www.pw_uid and os.stat(key).st_mode & 0o777 == 0o600
    kept = farm.root / "var" / "state" / "tls" / "box.key"
    assert os.stat(kept).st_uid == 0 and os.stat(kept).st_mode & 0o777 == 0o600


def test_every_log_is_capped(farm):
    logs = farm.root / "var" / "log"
    access = logs / "lighttpd.access.log"
    deadline = time.monotonic() + 30            # lighttpd writes its access log in batches
    while not access.with_name(access.name + ".1").exists() and time.monotonic() < deadline:
        for _ in range(20):
            farm.request("/", "portal.test")
        time.sleep(0.05)
    assert access.with_name(access.name + ".1").exists()
    assert not access.with_name(access.name + ".2").exists()         # keep = 1
    sizes = {p.name: p.stat().st_size for p in logs.iterdir()}
    assert all(size <= 4096 for size in sizes.values()), sizes


def test_cert_install_serves_the_operators_certificate_at_once(farm, ca):
    cert, key = issue(ca.parent, "box", "box.test", "localhost")
    proc = farm.ctl("cert", "install", "box.test", str(cert), str(key))
    assert "reloaded" in proc.stdout
    status, headers, _ = farm.https("/", "localhost", trust=ca)
    assert status == 200 and "Strict-Transport-Security" in headers
    shown = farm.ctl("cert", "show", "box").stdout
    assert "installed with `websitectl cert install`" in shown and "CN=Test CA" in shown


def _plain(farm, method, path, host):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", farm.port, timeout=10)
    try:
        conn.request(method, path, body=b"a=1" if method == "POST" else None, headers={"Host": host})
        resp = conn.getresponse()
        return resp.status, resp.headers
    finally:
        conn.close()


# ----- the supervisor: readiness for systemd, and no lighttpd or backend without it ---------

@pytest.fixture
def lone_farm():
    f = Farm({"box": BOX})
    try:
        f.ctl("setup")
        yield f
    finally:
        f.cleanup()


def test_systemd_hears_ready_when_https_answers_and_stopping_at_the_end(lone_farm, tmp_path):
    f = lone_farm
    manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    manager.bind(str(tmp_path / "notify"))
    manager.settimeout(90)
    from farmkit import REPO, WEBSITECTL
    supervisor = subprocess.Popen([*WEBSITECTL, "--farm", str(f.farm_file), "start", "--foreground",
                                   "--quiet"], cwd=REPO, env={**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify")},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = manager.recv(4096).decode()
        assert ready.startswith("READY=1\nSTATUS=serving http://127.0.0.1:")
        # At that moment, not later: lighttpd answers over HTTPS and the backend serves.
        status, _, body = f.https("/", "localhost", trust=f.certificate("box"), timeout=2)
        assert status == 200 and b"box.web" in body
        f.ctl("reload")
        assert manager.recv(4096) == b"RELOADING=1"
        assert manager.recv(4096).decode().startswith("READY=1")
        supervisor.terminate()
        assert manager.recv(4096) == b"STOPPING=1"
        assert supervisor.wait(60) == 0
    finally:
        supervisor.kill()
        manager.close()


def test_a_killed_supervisor_leaves_nothing_serving(lone_farm):
    f = lone_farm
    f.ctl("start")
    status = f.status()
    pids = [status["lighttpd"]["pid"]] + [p for b in status["backends"].values()
                                          for p in [b["pid"], *b["workers"]]]
    os.kill(status["supervisor"]["pid"], 9)
    deadline = time.monotonic() + 2.0
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not [p for p in pids if alive(p)]


def test_a_port_in_use_is_named_at_once_and_nothing_starts(lone_farm):
    f = lone_farm
    with socket.create_server(("127.0.0.1", f.tls_port)):
        proc = f.ctl("start", check=False, timeout=30)
    assert proc.returncode == 2
    assert f"tls_port: port {f.tls_port} is in use" in proc.stderr
    assert "nothing was started" in proc.stderr
    assert f.status() == {"running": False}


def test_a_reload_to_new_ports_moves_lighttpd_there(lone_farm):
    from farmkit import free_port
    f = lone_farm
    f.ctl("start")
    old_port, old_tls = f.port, f.tls_port
    old_lighttpd = f.status()["lighttpd"]["pid"]
    f.port, f.tls_port = free_port(), free_port()
    text = f.farm_file.read_text()
    f.farm_file.write_text(text.replace(f"port = {old_port}\n", f"port = {f.port}\n")
                           .replace(f"tls_port = {old_tls}\n", f"tls_port = {f.tls_port}\n"))
    f.ctl("reload")
    f.wait_until_serving("/")
    assert f.https("/", "localhost", trust=f.certificate("box"))[0] == 200
    status = f.status()
    assert status["supervisor"]["urls"] == [f"http://127.0.0.1:{f.port}/", f"https://127.0.0.1:{f.tls_port}/"]
    assert status["lighttpd"]["pid"] != old_lighttpd
    deadline = time.monotonic() + 10                # the old lighttpd drains, then its port is free
    while alive(old_lighttpd) and time.monotonic() < deadline:
        time.sleep(0.05)
    for port in (old_port, old_tls):
        with socket.create_server(("127.0.0.1", port)):
            pass
