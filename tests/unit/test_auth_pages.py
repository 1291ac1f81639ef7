"""The auth backend in-process, on the demo site's configuration: login (CSRF, throttling,
rotation, cookie flags), logout, and the authorizer's decisions (FCGI_ROLE=AUTHORIZER, as lighttpd
asks). Through real lighttpd: tests/integration/test_auth.py."""
import dataclasses
import json
import re
import sqlite3
from pathlib import Path

import pytest

from pycopia_www.auth import authorizer
from pycopia_www.auth.store import Store
from pycopia_www.config import load_site
from pycopia_www.testing import Client

FARM = Path(__file__).resolve().parents[2] / "demo" / "etc" / "farm.toml"
CHEAP = 14      # scrypt cost of these tests' hashes (the demo's default has its own test)


def cheap_site(farm=FARM):
    """The demo site with a cheap password cost, so each login costs milliseconds."""
    site = load_site(farm)
    return dataclasses.replace(site, vhosts=tuple(
        dataclasses.replace(v, auth=dataclasses.replace(v.auth, password_cost=CHEAP))
        if v.auth else v for v in site.vhosts))


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                 # the auth backend works in its state directory
    monkeypatch.setattr(authorizer, "_services", {})
    s = Store(tmp_path / "auth.sqlite", password_cost=CHEAP)
    s.add_user("ann", "secret-1", ["admin"])
    return s


@pytest.fixture()
def client(store):
    return Client.for_site(cheap_site(), host="localhost")


def login(client, name="ann", password="secret-1", **extra):
    return client.post("/auth/login", data={"name": name, "password": password, **extra})


def session_token(client) -> str:
    """The CSRF token in the forms of a logged-in page (the authorizer's PWWW_CSRF)."""
    page = client.get("/auth/login").text
    assert "You are logged in as" in page
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def ask(client, uri, session=None, **headers):
    """What the authorizer answers lighttpd for a request to `uri`."""
    auth = Client.for_backend(FARM, "appliance.auth", host="localhost")
    auth.environ.update(FCGI_ROLE="AUTHORIZER", REQUEST_URI=uri)
    if session:
        auth.cookies["pwww_session"] = session
    return auth.get("/auth/login", headers=headers)     # lighttpd names the path in REQUEST_URI


def test_login_page_and_login(client, store):
    page = client.get("/auth/login?next=/sys/")
    assert page.status == 200 and 'name="csrf_token"' in page.text and 'value="/sys/"' in page.text
    r = login(client, next="/sys/")
    assert r.status == 303 and r.location.endswith("/sys/")
    cookie = next(c for c in r.headers.get_all("Set-Cookie") if c.startswith("pwww_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=43200" in cookie
    token = client.cookies["pwww_session"]
    assert store.session(token, 100, 100).user == "ann"


def test_l12_an_old_hash_is_rehashed_at_login(store, tmp_path):
    """The demo's auth backend as configured (the default cost) logs ann in with her old hash,
    and stores a new one at the current cost."""
    def stored():
        return sqlite3.connect(tmp_path / "auth.sqlite").execute(
            "select password from users where name = 'ann'").fetchone()[0]
    assert stored().startswith("scrypt$16384$")
    assert login(Client.for_site(FARM, host="localhost")).status == 303
    assert stored().startswith("scrypt$131072$8$1$")


def test_login_refuses_a_foreign_next(client):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client.cookies.pop("pwww_session", None)    # logged in, a form carries the session's token
        r = login(client, next=target)
        assert r.status == 303 and r.location.endswith("/") and "evil" not in r.location


def test_wrong_password_and_throttling(client, store):
    for _ in range(5):
        r = login(client, password="wrong")
        assert r.status == 401 and "Wrong user name or password" in r.text
    r = login(client)                           # the right password, but the user is locked
    assert r.status == 429 and "pwww_session" not in client.cookies


def test_login_without_csrf_token_is_refused(store):
    raw = Client.for_site(FARM, host="localhost", csrf=False)
    r = raw.post("/auth/login", data={"name": "ann", "password": "secret-1"})
    assert r.status == 403 and "pwww_session" not in raw.cookies


def test_login_rotates_the_session(client, store):
    planted, _ = store.create_session("ann")    # a token the attacker knows
    client.cookies["pwww_session"] = planted
    assert login(client, csrf_token=session_token(client)).status == 303
    assert client.cookies["pwww_session"] != planted
    assert store.session(planted, 100, 100) is None


def test_authorizer_decisions(client, store):
    r = ask(client, "/sys/")
    assert r.status == 302 and "/auth/login?next=%2Fsys%2F" in r.location
    r = ask(client, "/sys/api", **{"X-Requested-With": "pycopia-www"})
    assert r.status == 401 and r.json() == {"jsonrpc": "2.0", "id": None,
                                            "error": {"code": -32001, "message": "login required"}}
    assert ask(client, "/sys/", session="forged-" + "x" * 40).status == 302
    token, sid = store.create_session("ann")
    r = ask(client, "/sys/", session=token)
    assert r.status == 200 and r.headers["Variable-REMOTE_USER"] == "ann"
    assert r.headers["Variable-PWWW_ROLES"] == "admin" and r.headers["Variable-PWWW_SESSION"] == sid
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", r.headers["Variable-PWWW_CSRF"])
    assert token not in json.dumps(dict(r.headers))
    assert ask(client, "/auth/login").status == 403    # a backend without auth: refused
    # ui and db have auth = "optional": a public page, the user passed along when there is one
    assert ask(client, "/notes").status == 200 and "Variable-REMOTE_USER" not in ask(client, "/notes").headers
    assert ask(client, "/notes", session=token).headers["Variable-REMOTE_USER"] == "ann"


def test_logout_and_logout_everywhere(client, store):
    login(client)
    other, _ = store.create_session("ann")
    r = client.post("/auth/logout", data={"csrf_token": session_token(client)})
    assert r.status == 303 and "pwww_session" not in client.cookies
    assert store.session(other, 100, 100) is not None
    login(client)
    r = client.post("/auth/logout", data={"everywhere": "1", "csrf_token": session_token(client)})
    assert r.status == 303 and store.session(other, 100, 100) is None
