"""The web layer's side of auth: request.user from the authorizer's variables, and handlers
marked with requires_role / requires_login answering 401 (no user) or 403 (missing role)."""
import pytest

from pycopia_www.testing import Client
from pycopia_www.web.identity import User, requires_login, requires_role, user_from_environ
from webapps import make_site

HOST = """\
    default = true
    [[backend]]
    name = "app"
    user = "nobody"
    prefix = "/"
    app = "webapps.authz.urls"
    """


@pytest.fixture()
def client(tmp_path):
    return Client.for_site(make_site(tmp_path, main=HOST))


def login(client, name, roles=""):
    client.environ.update(REMOTE_USER=name, PWWW_ROLES=roles, PWWW_SESSION="s1")


def test_user_from_environ():
    assert user_from_environ({}) is None
    assert user_from_environ({"REMOTE_USER": ""}) is None
    user = user_from_environ({"REMOTE_USER": "ann", "PWWW_ROLES": "admin,ops", "PWWW_SESSION": "x"})
    assert user == User("ann", frozenset({"admin", "ops"}), "x")
    # A client's own header arrives as HTTP_REMOTE_USER and means nothing.
    assert user_from_environ({"HTTP_REMOTE_USER": "root", "HTTP_PWWW_ROLES": "admin"}) is None


def test_marks():
    assert requires_role("a", "b")(lambda: 0).pwww_roles == frozenset({"a", "b"})
    assert requires_login(lambda: 0).pwww_roles == frozenset()


def test_request_user(client):
    assert client.get("/open").json() == {"user": None, "roles": None, "session": None}
    login(client, "ann", "ops,admin")
    assert client.get("/open").json() == {"user": "ann", "roles": ["admin", "ops"], "session": "s1"}


def test_no_user_is_401_and_missing_role_403(client):
    for path in ("/any", "/admin", "/cls-admin"):
        assert client.get(path).status == 401, path
    assert client.get("/cls").text == "anyone"
    assert client.post("/cls", data={}).status == 401
    login(client, "bob", "ops")
    assert client.get("/any").json() == {"user": "bob"}
    assert client.get("/admin").status == 403
    assert client.get("/cls-admin").status == 403
    login(client, "ann", "admin")
    assert client.get("/admin").json() == {"user": "ann"}
    assert client.get("/cls-admin").text == "admin class"
