"""M1: the authorizer decides on exactly the path lighttpd routes. Through real lighttpd: a plain
WSGI app (no framework, so no second check) at /admin behind auth = "required", and an
auth = "optional" public backend at "/". lighttpd routes //admin/x, /admin/./x, /admin//x and the
%2e forms to /admin; before the fix the authorizer judged the raw path, found the public backend,
and let the request through without a login (or with a user lacking the role)."""
import json
import socket

import pytest

import fcgi_client
from farmkit import Farm
from farmkit import Browser
from test_auth import user

APPS = 'pythonpath = ["@APPS@"]'
SITE = f"""\
    hosts = ["paths.test"]
    default = true
    [auth]
    backend = "auth"
    password_cost = 14

    [[backend]]
    name = "auth"
    user = "pwww-t-auth"
    prefix = "/auth"
    app = "pycopia_www.auth.urls"
    workers = 1
    {APPS}

    [[backend]]
    name = "ui"
    user = "pwww-t-ui"
    prefix = "/"
    app = "rawapps:public"
    auth = "optional"
    workers = 1
    {APPS}

    [[backend]]
    name = "admin"
    user = "pwww-t-api"
    prefix = "/admin"
    app = "rawapps:admin"
    auth = "required"
    roles = ["admin"]
    workers = 1
    {APPS}

    [[backend]]
    name = "guarded"
    user = "pwww-t-api"
    prefix = "/guarded"
    app = "rawapps:guarded"
    auth = "required"
    workers = 1
    {APPS}
    """
# Each is routed by lighttpd to the admin backend (or refused by lighttpd itself).
DISGUISES = ["//admin/x", "///admin/x", "/admin//x", "/admin/./x", "/./admin/x", "/admin/x/.",
             "/admin/x/..", "/x/../admin/x", "/.//admin/x", "/%61dmin/x", "/admin/%2e/x",
             "/%2e/admin/x", "/%2E%2E/admin/x", "/x/%2e%2e/admin/x", "/admin/%2e%2e/admin/x",
             "/%2fadmin/x", "/%2Fadmin%2Fx", "/admin/x%2f%2e", "/admin/x%00", "/admin/x%0a",
             "/admin/x%09", "/admin%2f/x"]


@pytest.fixture(scope="module")
def farm():
    f = Farm({"paths": SITE})
    try:
        f.ctl("setup")
        f.ctl("start")
        user(f, "add", "ann", "--roles", "admin", host="paths", password="ann-pw-1")
        user(f, "add", "bob", host="paths", password="bob-pw-1")
        yield f
    finally:
        f.cleanup()


def served(farm, backend) -> list[dict]:
    log = farm.root / "var" / "state" / f"paths.{backend}" / "hits.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def raw_get(farm, target: str, cookie: str | None = None) -> tuple[int, bytes]:
    """GET with the request target sent byte for byte (http.client would refuse some)."""
    head = f"GET {target} HTTP/1.1\r\nHost: paths.test\r\nConnection: close\r\n"
    if cookie:
        head += f"Cookie: {cookie}\r\n"
    with socket.create_connection(("127.0.0.1", farm.port), timeout=10) as s:
        s.sendall(head.encode("latin-1") + b"\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


def test_the_canonical_path_needs_a_login_and_the_role(farm):
    assert raw_get(farm, "/admin/x")[0] == 302
    ann = Browser(farm, "paths.test")
    ann.login(next_="/")
    status, _, body = ann.get("/admin/x")
    assert status == 200 and json.loads(body)["user"] == "ann"
    bob = Browser(farm, "paths.test")
    bob.login("bob", "bob-pw-1", next_="/")
    assert bob.get("/admin/x")[0] == 403


@pytest.mark.parametrize("target", DISGUISES)
def test_m1_a_disguised_path_never_reaches_the_protected_backend_without_a_login(farm, target):
    before = len(served(farm, "admin"))
    status, body = raw_get(farm, target)
    assert status != 200 and len(served(farm, "admin")) == before, (status, body[:200])


@pytest.mark.parametrize("target", ["//admin/x", "/admin/./x", "/admin//x", "/%61dmin/x",
                                    "/admin/%2e/x"])
def test_m1_a_disguised_path_does_not_skip_the_role_check(farm, target):
    bob = Browser(farm, "paths.test")
    bob.login("bob", "bob-pw-1", next_="/")
    cookie = "; ".join(f"{k}={v}" for k, v in bob.cookies.items())
    before = len(served(farm, "admin"))
    status, body = raw_get(farm, target, cookie)
    assert status != 200 and len(served(farm, "admin")) == before, (status, body[:200])


def test_m1_the_authorized_path_reaches_the_backend_and_matches(farm):
    """The authorizer passes the path it decided on (PWWW_AUTHZ_PATH), and the protected
    backend (a raw WSGI app, guarded by the farm's loader) gets it with the same path."""
    ann = Browser(farm, "paths.test")
    ann.login(next_="/")
    status, _, body = ann.get("/guarded/a%20b/c")
    seen = json.loads(body)
    assert status == 200 and seen["path"] == "/guarded/a b/c", seen
    assert seen["authorized"] == "/guarded/a%20b/c" and seen["user"] == "ann"
    assert raw_get(farm, "/guarded/x")[0] == 302


@pytest.mark.parametrize("authorized, status", [(None, 403), ("/admin/y", 403), ("//admin/x", 403),
                                                ("/admin/x", 200)])
def test_m1_a_protected_backend_serves_only_the_path_the_authorizer_decided_on(farm, authorized,
                                                                               status):
    """Straight to the admin backend's socket (as root), as if lighttpd and the authorizer had
    disagreed: the loader's guard compares PWWW_AUTHZ_PATH with the path it is given."""
    sock = farm.root / "var" / "run" / "sockets" / "paths.admin.sock"
    extra = {"REMOTE_USER": "ann", "PWWW_ROLES": "admin", "SCRIPT_NAME": "/admin"}
    if authorized is not None:
        extra["PWWW_AUTHZ_PATH"] = authorized
    before = len(served(farm, "admin"))
    reply = fcgi_client.get(sock, "/x", **extra)
    assert reply.status == status, reply
    assert len(served(farm, "admin")) == before + (status == 200)
