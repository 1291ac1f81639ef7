"""CSRF tokens for form posts (double-submit cookie without a session, the authorizer's PWWW_CSRF
with one) and route-level access from the backend's auth setting, in the web layer."""
import re

import pytest

from pycopia_www.config import ConfigError
from pycopia_www.testing import Client
from pycopia_www.web.app import build_app
from webapps import make_site

HOST = """\
    default = true
    [auth]
    backend = "auth"
    [[backend]]
    name = "auth"
    user = "nobody"
    prefix = "/auth"
    app = "webapps.authz.urls"
    [[backend]]
    name = "app"
    user = "nobody"
    prefix = "/"
    app = "webapps.authz.urls"
    [[backend]]
    name = "g"
    user = "nobody"
    prefix = "/g"
    app = "webapps.authz.guarded"
    auth = "required"
    """
FORM = "application/x-www-form-urlencoded"


@pytest.fixture()
def site(tmp_path):
    return make_site(tmp_path, main=HOST)


@pytest.fixture()
def raw(site):
    """A client that sends exactly what it is given (no automatic token)."""
    return Client.for_site(site, csrf=False)


def hidden_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_form_page_carries_the_cookie_token_and_the_post_must_repeat_it(raw):
    page = raw.get("/form")
    token = hidden_token(page.text)
    assert raw.cookies["pwww_csrf"] == token
    assert "HttpOnly" in page.headers["Set-Cookie"] and "SameSite=Lax" in page.headers["Set-Cookie"]
    assert raw.post("/form", data={"text": "x", "csrf_token": token}).json() == {"text": "x"}
    # a second page reuses the cookie's token instead of making a new one
    assert hidden_token(raw.get("/form").text) == token and "Set-Cookie" not in raw.get("/form").headers


@pytest.mark.parametrize("fields, cookie", [
    ({"text": "x"}, "a" * 43),                          # no field
    ({"text": "x", "csrf_token": "b" * 43}, "a" * 43),  # field and cookie differ
    ({"text": "x", "csrf_token": "a" * 43}, None),      # no cookie
    ({"text": "x", "csrf_token": "short"}, "short"),     # a cookie that is not a token
])
def test_posts_without_a_matching_token_are_403(raw, fields, cookie):
    if cookie:
        raw.cookies["pwww_csrf"] = cookie
    r = raw.post("/form", data=fields)
    assert r.status == 403 and "reload the page" in r.text


def test_text_plain_and_multipart_posts_need_the_token_too(raw):
    assert raw.post("/form", body=b"text=x", content_type="text/plain").status == 403
    assert raw.post("/form", data={"a": "b"}, files={"f": ("a", b"x", "text/plain")}).status == 403


def test_what_a_foreign_page_cannot_send_needs_no_token(raw):
    assert raw.post("/form", json={"a": 1}).status == 200      # JSON: needs a CORS preflight
    assert raw.post("/form", data={"text": "y"}, headers={"X-Requested-With": "pycopia-www"}).status == 200
    assert raw.post("/nocsrf", data={"text": "z"}).json() == {"text": "z"}   # route csrf=False


def test_with_a_session_the_authorizers_token_is_the_one(site):
    client = Client.for_site(site, csrf=False)
    client.environ.update(REMOTE_USER="ann", PWWW_SESSION="s", PWWW_CSRF="t" * 43)
    assert hidden_token(client.get("/form").text) == "t" * 43
    assert "pwww_csrf" not in client.cookies
    assert client.post("/form", data={"csrf_token": "t" * 43}).status == 200
    client.cookies["pwww_csrf"] = "c" * 43
    assert client.post("/form", data={"csrf_token": "c" * 43}).status == 403   # not the session's
    assert client.post("/form", data={}, headers={"X-CSRF-Token": "t" * 43}).status == 200


def test_https_uses_the_host_prefixed_secure_cookie(site):
    client = Client.for_site(site, scheme="https", csrf=False)
    page = client.get("/form")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-pwww_csrf=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    token = hidden_token(page.text)
    assert client.post("/form", data={"csrf_token": token}).status == 200


def test_required_backend_checks_again_in_the_web_layer(site):
    client = Client.for_site(site)
    assert client.get("/g/page").status == 401
    assert client.get("/g/nothing-here").status == 401       # no route: still private
    assert client.get("/g/open").json()["user"] is None      # public=True
    client.environ.update(REMOTE_USER="bob", PWWW_ROLES="", PWWW_SESSION="s")
    assert client.get("/g/page").json()["user"] == "bob"
    assert client.get("/g/nothing-here").status == 404
    assert client.get("/g/ops").status == 403
    client.environ["PWWW_ROLES"] = "ops"
    assert client.get("/g/ops").status == 200


@pytest.mark.parametrize("n, option, problem", [
    (1, "roles=['ops']", "need `auth` on backend"),
    (2, "public='yes'", "public= must be True or False"),
    (3, "roles='ops'", "roles= must be a list"),
])
def test_route_access_options_are_checked(tmp_path, n, option, problem, monkeypatch):
    module = f"bad_access_routes_{n}"       # a fresh module per case (imports are cached)
    (tmp_path / f"{module}.py").write_text(
        f"from pycopia_www.urls import route\nroutes = [route(r'^/$', 'x.y', {option})]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    text = HOST.replace("webapps.authz.guarded", module).replace('auth = "required"\n', "")
    site = make_site(tmp_path / "s", main=text)
    with pytest.raises(ConfigError) as info:
        build_app(site, site.backend("main.g"))
    assert info.value.file.endswith(f"{module}.py") and info.value.key.startswith("routes[0]")
    assert problem in info.value.problem
