"""Users, sessions and the authorizer through real lighttpd and real backends under their own
users: lighttpd asks the auth backend before every request to /g, and the /g backend records each
request it is given, so a refused request can be shown never to reach it."""
import json
import re
import time
from pathlib import Path

import pytest

from farmkit import Browser, Farm

APPS = 'pythonpath = ["@APPS@"]'
BACKENDS = f"""\
    [[backend]]
    name = "auth"
    user = "pwww-t-auth"
    prefix = "/auth"
    app = "pycopia_www.auth.urls"
    workers = 1
    {APPS}
    [[backend]]
    name = "g"
    user = "pwww-t-ui"
    prefix = "/g"
    app = "authtest_urls"
    auth = "required"
    workers = 1
    {APPS}
    """
MAIN = """\
    hosts = ["main.test"]
    default = true
    [auth]
    backend = "auth"
    max_failures = 3
    password_cost = 14
    backoff_max = 2
    """ + BACKENDS
# Short sessions and a low per-address limit, with a store of their own.
SHORT = """\
    hosts = ["short.test"]
    [auth]
    backend = "auth"
    password_cost = 14
    idle_timeout = 1.5
    max_age = 4
    max_failures_per_address = 4
    """ + BACKENDS
SPOOFS = {"Remote-User": "admin", "Variable-REMOTE_USER": "admin", "X-Remote-User": "admin",
          "PWWW-ROLES": "admin"}


@pytest.fixture(scope="module")
def farm():
    f = Farm({"main": MAIN, "short": SHORT})
    try:
        f.first_setup = f.ctl("setup").stdout         # no ADMIN_PASSWORD: generated, printed
        f.ctl("start")
        for host in ("main", "short"):
            user(f, "add", "ann", "--roles", "admin", host=host, password="ann-pw-1")
            user(f, "add", "bob", host=host, password="bob-pw-1")
        yield f
    finally:
        f.cleanup()


def user(farm, *args, host="main", password=None):
    proc = farm.ctl("user", "--host", host, *args, check=False, input=password and password + "\n")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def hits(farm, host="main") -> list[dict]:
    log = farm.root / "var" / "state" / f"{host}.g" / "hits.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_setup_prints_a_generated_admin_password_once_and_it_works(farm):
    found = re.search(r"main: created user admin \(role admin\) with password: (\S+)", farm.first_setup)
    assert found, farm.first_setup
    assert "created user" not in farm.ctl("setup").stdout      # only the first time
    b = Browser(farm)
    assert b.login("admin", found.group(1))[0] == 303
    status, _, body = b.get("/g/admin")
    assert status == 200 and json.loads(body)["REMOTE_USER"] == "admin"


def test_protected_page_redirects_to_login_and_the_backend_never_sees_it(farm):
    before = len(hits(farm))
    status, headers, _ = Browser(farm).get("/g/?x=1", **SPOOFS)
    assert status == 302 and headers["Location"].endswith("/auth/login?next=%2Fg%2F%3Fx%3D1")
    status, headers, body = Browser(farm).get("/g/", **{"X-Requested-With": "pycopia-www"})
    assert status == 401 and json.loads(body) == {
        "jsonrpc": "2.0", "id": None, "error": {"code": -32001, "message": "login required"}}
    assert Browser(farm).get("/g/", Accept="application/json")[0] == 401
    assert Browser(farm).post("/g/form", {"text": "x"})[0] == 401
    b = Browser(farm)
    b.cookies["pwww_session"] = "forged" + "A" * 40
    assert b.get("/g/")[0] == 302
    assert len(hits(farm)) == before                            # none of these reached /g


def test_public_route_of_a_protected_backend(farm):
    status, _, body = Browser(farm).get("/g/open", **SPOOFS)
    seen = json.loads(body)
    assert status == 200 and seen["REMOTE_USER"] is None and seen["csrf"] is False
    # the spoofed headers arrive as what they are: request headers, not variables
    assert seen["HTTP_REMOTE_USER"] == "admin" and seen["HTTP_VARIABLE_REMOTE_USER"] == "admin"


def test_login_access_logout(farm):
    b = Browser(farm)
    status, headers, _ = b.login(next_="/g/")
    assert status == 303 and headers["Location"].endswith("/g/")
    cookie = [c for c in headers.get_all("Set-Cookie") if c.startswith("pwww_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    before = len(hits(farm))
    status, _, body = b.get("/g/", **{**SPOOFS, "Remote-User": "bob"})
    seen = json.loads(body)
    assert status == 200 and seen["REMOTE_USER"] == "ann" and seen["PWWW_ROLES"] == "admin"
    assert seen["csrf"] and seen["PWWW_SESSION"] and seen["PWWW_SESSION"] not in b.cookies.values()
    assert hits(farm)[before:] == [{"path": "/g/", "user": "ann", "at": hits(farm)[-1]["at"]}]
    status, _, _ = b.post("/auth/logout", {"csrf_token": b.token("/g/form")})
    assert status == 303 and "pwww_session" not in b.cookies
    assert b.get("/g/")[0] == 302


def test_old_cookie_is_dead_after_logout(farm):
    b = Browser(farm)
    b.login()
    stolen = b.cookies["pwww_session"]
    b.post("/auth/logout", {"csrf_token": b.token("/g/form")})
    thief = Browser(farm)
    thief.cookies["pwww_session"] = stolen
    assert thief.get("/g/")[0] == 302


def test_roles(farm):
    b = Browser(farm)
    b.login("bob", "bob-pw-1")
    assert b.get("/g/")[0] == 200
    before = len(hits(farm))
    assert b.get("/g/admin", **SPOOFS)[0] == 403
    assert len(hits(farm)) == before


def test_login_rotates_the_session(farm):
    b = Browser(farm)
    b.login("bob", "bob-pw-1")
    first = b.cookies["pwww_session"]
    b.login()
    assert b.cookies["pwww_session"] != first
    old = Browser(farm)
    old.cookies["pwww_session"] = first
    assert old.get("/g/")[0] == 302


def test_csrf_less_posts_are_refused(farm):
    b = Browser(farm)
    assert b.post("/auth/login", {"name": "ann", "password": "ann-pw-1"})[0] == 403
    assert "pwww_session" not in b.cookies
    b.login()
    assert b.post("/g/form", {"text": "x"})[0] == 403
    assert b.post("/g/form", {"text": "x", "csrf_token": "A" * 43})[0] == 403
    status, _, body = b.post("/g/form", {"text": "x", "csrf_token": b.token("/g/form")})
    assert status == 200 and json.loads(body) == {"posted": "x"}


def test_throttling_per_user(farm):
    b = Browser(farm)
    for _ in range(3):
        assert b.login("bob", "wrong")[0] == 401
    assert b.login("bob", "bob-pw-1")[0] == 429             # right password, still locked
    assert "pwww_session" not in b.cookies
    assert b.login()[0] == 303                              # other users are not locked


def test_l1_an_attacker_cannot_lock_a_user_out(farm):
    """Wrong passwords for dan from other addresses: before the fix they locked the name for
    everyone for failure_window (429 even with the right password). Now they slow the name down
    only for addresses dan never logged in from, and only for a while (backoff_max = 2)."""
    user(farm, "add", "dan", host="main", password="dan-pw-1")
    home, elsewhere = Browser(farm, address="127.0.0.2"), Browser(farm, address="127.0.0.3")
    assert home.login("dan", "dan-pw-1")[0] == 303                  # dan's usual address
    attacker = Browser(farm, address="127.0.0.66")
    for _ in range(3):                                              # max_failures = 3
        assert attacker.login("dan", "guess")[0] == 401
    status, headers, body = attacker.login("dan", "dan-pw-1")
    assert status == 429 and int(headers["Retry-After"]) > 2        # that address, that name
    for last in range(67, 77):                                      # a botnet's guesses
        status = Browser(farm, address=f"127.0.0.{last}").login("dan", "guess")[0]
        assert status in (401, 429)
    home.cookies.clear()
    assert home.login("dan", "dan-pw-1")[0] == 303                  # at once, from home
    status, headers, _ = elsewhere.login("dan", "dan-pw-1")
    if status == 429:                                               # a new place waits...
        assert 1 <= int(headers["Retry-After"]) <= 2
        time.sleep(int(headers["Retry-After"]) + 0.2)
        status = elsewhere.login("dan", "dan-pw-1")[0]
    assert status == 303 and elsewhere.get("/g/")[0] == 200          # ...but gets in


def test_log_out_everywhere(farm):
    laptop, phone = Browser(farm), Browser(farm)
    laptop.login()
    phone.login()
    assert laptop.post("/auth/logout", {"everywhere": "1", "csrf_token": laptop.token("/g/form")})[0] == 303
    assert laptop.get("/g/")[0] == 302 and phone.get("/g/")[0] == 302


def test_user_command(farm):
    user(farm, "add", "carl", password="carl-pw-1")
    b = Browser(farm)
    assert b.login("carl", "carl-pw-1")[0] == 303
    assert re.search(r"carl\s+-\s+1 session", user(farm, "list"))
    assert b.get("/g/admin")[0] == 403
    user(farm, "roles", "carl", "admin")            # roles are read on every request
    assert b.get("/g/admin")[0] == 200
    user(farm, "roles", "carl", "")
    assert b.get("/g/admin")[0] == 403
    user(farm, "passwd", "carl", password="carl-pw-2")  # ends carl's sessions
    assert b.get("/g/")[0] == 302
    assert b.login("carl", "carl-pw-2")[0] == 303
    user(farm, "remove", "carl")
    assert b.get("/g/")[0] == 302
    proc = farm.ctl("user", "--host", "main", "remove", "carl", check=False)
    assert proc.returncode == 1 and "no user 'carl'" in proc.stderr
    db = farm.root / "var" / "state" / "main.auth" / "auth.sqlite"
    assert db.stat().st_uid == Path(db.parent).stat().st_uid != 0    # the auth user's file


def test_idle_and_absolute_expiry(farm):
    b = Browser(farm, "short.test")
    b.login()
    assert b.get("/g/")[0] == 200
    time.sleep(2)                                   # idle_timeout = 1.5
    assert b.get("/g/")[0] == 302
    b.login()
    deadline = time.monotonic() + 4.5               # max_age = 4, however busy the session is
    while time.monotonic() < deadline:
        time.sleep(0.5)
        status = b.get("/g/")[0]
    assert status == 302


def test_throttling_per_address(farm):
    b = Browser(farm, "short.test")
    for name in ("x1", "x2", "x3", "x4"):
        assert b.login(name, "nope")[0] == 401
    assert b.login()[0] == 429                      # this address is locked for everyone
