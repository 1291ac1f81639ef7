"""The demo's run-as-me page (/sys/me) and proxy method (run_as_me at /sys/api), through the demo
site's own routing with the test client. REMOTE_USER is set as lighttpd sets it from the auth
backend's answer; the commands really run as a real login account."""
import os
import pwd
from pathlib import Path

import pytest

from farmkit import login_user
from pycopia_www.markup.validate import xhtml1_strict_errors
from pycopia_www.testing import Client

FARM = Path(__file__).resolve().parents[2] / "etc" / "farm.toml"
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
    assert r.status == 200 and xhtml1_strict_errors(r.body) == []
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
    assert run_as_me(client, "id")["error"]["code"] == -32001
    error = run_as_me(as_user(client, "root"), "id")["error"]
    assert error["data"] == {"type": "RunAsRefused", "message": "'root' is root or in group root"}
