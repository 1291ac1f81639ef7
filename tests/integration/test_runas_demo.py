"""The demo's run-as-me page (/sys/me) and proxy method (run_as_me at /sys/api): first through the
demo site's own routing with the test client, REMOTE_USER set as lighttpd sets it from the auth
backend's answer; then through real lighttpd, with a stand-in authorizer backend. The commands
really run as a real login account."""
import json
import os
import pwd
from pathlib import Path

import pytest

from farmkit import REPO, TEST_APPS, Farm, login_user, proc_ids
from pycopia_www.markup.validate import html5_errors
from pycopia_www.testing import Client

FARM = Path(__file__).resolve().parents[2] / "demo" / "etc" / "farm.toml"
RPC_HEADERS = {"X-Requested-With": "pycopia-www"}


@pytest.fixture(scope="module")
def user():
    with login_user("me") as name:
        pw = pwd.getpwnam(name)
        marker = Path(pw.pw_dir) / "only-mine.txt"
        marker.write_text("hello\n")
        os.chown(marker, pw.pw_uid, pw.pw_gid)
        yield name


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Client.for_site(FARM, host="localhost")


def as_user(client, name):
    client.environ["REMOTE_USER"] = name
    return client


def run_as_me(client, command):
    r = client.post("/sys/api", json={"jsonrpc": "2.0", "id": 1, "method": "run_as_me",
                                      "params": {"command": command}}, headers=RPC_HEADERS)
    assert r.status == 200, r.text
    return r.json()


def test_the_page_shows_id_and_home_listing_of_the_logged_in_user(client, user):
    r = as_user(client, user).get("/sys/me", headers={"Accept": "application/xhtml+xml"})
    assert r.status == 200 and html5_errors(r.body) == []      # a page in the shipped layout
    uid = pwd.getpwnam(user).pw_uid
    assert f"uid={uid}({user})" in r.text and "only-mine.txt" in r.text and "Refused" not in r.text


def test_the_page_needs_a_login(client):
    assert client.get("/sys/me").status == 401


def test_the_page_says_why_an_account_is_refused(client):
    r = as_user(client, "pwww-no-such-account").get("/sys/me")
    assert r.status == 200 and "Refused: 'pwww-no-such-account' has no system account" in r.text


def test_the_proxy_method_runs_as_the_logged_in_user(client, user):
    result = run_as_me(as_user(client, user), "id")["result"]
    pw = pwd.getpwnam(user)
    assert result["uid"] == pw.pw_uid and result["stdout"].startswith(f"uid={pw.pw_uid}({user})")
    assert result["returncode"] == 0 and not result["timed_out"]
    assert "only-mine.txt" in run_as_me(client, "home")["result"]["stdout"]


def test_the_proxy_method_takes_no_command_line_from_the_client(client, user):
    error = run_as_me(as_user(client, user), "cat /etc/shadow")["error"]
    assert error["code"] == -32000 and error["data"]["type"] == "ValueError"


def test_the_proxy_method_needs_a_login_and_refuses_root(client):
    # /sys has auth = "required": without a user the sys backend refuses the call itself, as the
    # authorizer does through lighttpd (401, JSON-RPC error -32001).
    r = client.post("/sys/api", json={"jsonrpc": "2.0", "id": 1, "method": "run_as_me",
                                      "params": {"command": "id"}}, headers=RPC_HEADERS)
    assert r.status == 401 and r.json()["error"]["code"] == -32001
    error = run_as_me(as_user(client, "root"), "id")["error"]
    assert error["data"] == {"type": "RunAsRefused", "message": "'root' is root or in group root"}


# -- through lighttpd: a real authorizer answer, the sys routes in a real root FastCGI worker ----

@pytest.fixture(scope="module")
def farm():
    env = f'pythonpath = ["{REPO / "demo"}", "{TEST_APPS}"]'
    f = Farm({"box": f"""\
        hosts = ["box.test"]
        [auth]
        backend = "auth"

        [[backend]]
        name = "auth"
        user = "pwww-t-auth"
        prefix = "/login"
        app = "standin_auth"
        workers = 1
        {env}

        [[backend]]
        name = "sys"
        user = "root"
        prefix = "/sys"
        app = "handlers.sys.urls"
        auth = "required"
        workers = 1
        timeout = 10
        {env}

        [[backend]]
        name = "caps"
        user = "root"
        prefix = "/caps"
        app = "testapps:whoami"
        workers = 1
        capabilities = ["CAP_NET_BIND_SERVICE"]
        {env}
        """})
    try:
        yield f.start()
    finally:
        f.cleanup()


def through_lighttpd(farm, method, path, headers, body=None):
    status, body = farm.request(path, "box.test", method, body, timeout=20, headers=headers)
    return status, body.decode()


def test_through_lighttpd_the_page_runs_as_the_authorized_user(farm, user):
    status, text = through_lighttpd(farm, "GET", "/sys/me", {"X-Test-User": user})
    assert status == 200, (text, farm.logs())
    assert f"uid={pwd.getpwnam(user).pw_uid}({user})" in text and "only-mine.txt" in text
    assert through_lighttpd(farm, "GET", "/sys/me", {})[0] == 401      # the authorizer's answer


def test_through_lighttpd_the_proxy_runs_as_the_authorized_user(farm, user):
    call = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "run_as_me", "params": ["id"]})
    headers = {"X-Test-User": user, "Content-Type": "application/json", **RPC_HEADERS}
    status, text = through_lighttpd(farm, "POST", "/sys/api", headers, call)
    assert status == 200, (text, farm.logs())
    result = json.loads(text)["result"]
    assert result["uid"] == pwd.getpwnam(user).pw_uid and result["stdout"].startswith(f"uid={result['uid']}(")
    status, text = through_lighttpd(farm, "POST", "/sys/api", {**headers, "X-Test-User": "root"}, call)
    assert json.loads(text)["error"]["data"]["type"] == "RunAsRefused"


def test_l6_the_root_sys_backend_holds_only_what_run_as_needs(farm, user):
    """Master and worker: uid 0, but only CAP_SETUID, CAP_SETGID and CAP_KILL, in the bounding
    set too (before the fix: all of them); and /sys/me still runs as the user with that set."""
    from pycopia_www import capabilities
    status = farm.status()["backends"]["box.sys"]
    keep = capabilities.mask(["CAP_SETUID", "CAP_SETGID", "CAP_KILL"])
    for pid in (status["pid"], *status["workers"]):
        sets = capabilities.process_sets(pid)
        assert sets == {"CapInh": 0, "CapPrm": keep, "CapEff": keep, "CapBnd": keep,
                        "CapAmb": 0}, (pid, {k: capabilities.names_of(v) for k, v in sets.items()})
        assert proc_ids(pid)["uid"] == (0,) * 4
    listed = farm.status()["backends"]["box.caps"]
    for pid in (listed["pid"], *listed["workers"]):
        assert capabilities.names_of(capabilities.process_sets(pid)["CapEff"]) == [
            "CAP_NET_BIND_SERVICE"]
    status, text = through_lighttpd(farm, "GET", "/sys/me", {"X-Test-User": user})
    assert status == 200 and f"uid={pwd.getpwnam(user).pw_uid}({user})" in text
    assert "only-mine.txt" in text and "Refused" not in text
