"""The web layer through real lighttpd and real backends: every handler kind, every error status,
redirects, X-Sendfile, and get_url links across backends and virtual hosts."""
import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from farmkit import Farm

TESTS = Path(__file__).resolve().parents[1]
ENV = (f'pythonpath = ["{TESTS / "unit"}", "{TESTS / "apps"}"]\n    environment = {{ '
       'WEBAPPS_FILES = "@ROOT@/static" }')
MAIN = f"""\
    hosts = ["main.test", "www.main.test"]
    default = true
    static = {{ "/static/" = "static" }}

    [[backend]]
    name = "ui"
    user = "pwww-t-ui"
    prefix = "/"
    app = "webui_urls"
    {ENV}

    [[backend]]
    name = "api"
    user = "pwww-t-api"
    match = '^/(api|status)(/|$)'
    app = "webapps.api.urls"
    workers = 1
    {ENV}

    [[backend]]
    name = "admin"
    user = "pwww-t-docs"
    prefix = "/admin"
    app = "webapps.admin.urls"
    debug = true
    workers = 1
    {ENV}
    """
DOCS = f"""\
    hosts = ["docs.test"]

    [[backend]]
    name = "docs"
    user = "pwww-t-docs"
    prefix = "/"
    app = "webapps.docs.urls"
    workers = 1
    {ENV}
    """


@pytest.fixture(scope="module")
def farm():
    f = Farm({})
    for name, text in (("main", MAIN), ("docs", DOCS)):
        f.write_vhost(name, text.replace("@ROOT@", str(f.root)))
    try:
        yield f.start()
    finally:
        f.cleanup()


# A form post repeats the double-submit CSRF cookie in its csrf_token field (docs/auth.md).
CSRF_FIELD = b"csrf_token=" + b"t" * 43
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": "pwww_csrf=" + "t" * 43}


def call(farm, method, path, host="main.test", body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", farm.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_function_handler_with_converted_groups(farm):
    status, headers, body = call(farm, "GET", "/row/hosts/42")
    assert status == 200 and json.loads(body) == {"table": "hosts", "row": 42}
    assert headers["Content-Type"].startswith("application/json")


def test_text_is_never_sent_as_html(farm):
    status, headers, body = call(farm, "GET", "/")
    assert status == 200 and body == b"home <b>page</b>" and headers["Content-Type"].startswith("text/plain")


def test_conversion_failure_is_404(farm):
    assert call(farm, "GET", "/thing/not-a-uuid-at-all-but-36-chars-long")[0] == 404


def test_class_handler_verbs(farm):
    assert call(farm, "GET", "/article/hello")[2] == b"get hello"
    assert call(farm, "POST", "/article/hello", body=b"title=T&" + CSRF_FIELD, headers=FORM)[2] == b"post hello T"
    assert call(farm, "DELETE", "/article/hello")[2] == b"deleted hello"
    status, headers, body = call(farm, "HEAD", "/article/hello")
    assert status == 200 and body == b""
    status, headers, _ = call(farm, "OPTIONS", "/article/hello")
    assert status == 204 and set(headers["Allow"].split(", ")) == {"GET", "POST", "DELETE", "HEAD", "OPTIONS"}
    status, headers, _ = call(farm, "PUT", "/article/hello", body=b"x")
    assert status == 405 and "PUT" not in headers["Allow"] and "GET" in headers["Allow"]


def test_form_post_redirects_after_post_with_get_url(farm):
    status, headers, _ = call(farm, "POST", "/form", body=b"name=widget&" + CSRF_FIELD, headers=FORM)
    assert status == 303 and headers["Location"].endswith("/item/widget?saved=1")


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirect_codes(farm, code):
    status, headers, _ = call(farm, "GET", f"/redirect/{code}")
    assert status == code and "/target%20path?a=1+2&b=x&b=y" in headers["Location"]


def test_error_statuses(farm):
    status, _, body = call(farm, "GET", "/no/such/page")
    assert status == 404 and body.startswith(b"custom 404")        # the backend's own 404 page
    assert call(farm, "GET", "/raise/418")[0] == 418
    status, _, body = call(farm, "GET", "/boom")
    assert status == 500 and b"Traceback" not in body and b"ZeroDivisionError" not in body


def test_debug_backend_shows_the_traceback(farm):
    status, _, body = call(farm, "GET", "/admin/boom")
    assert status == 500 and b"ZeroDivisionError" in body


def test_x_sendfile_is_sent_by_lighttpd(farm):
    status, headers, body = call(farm, "GET", "/file/hello.txt")
    assert status == 200 and body == b"static hello\n"
    assert "X-Sendfile" not in headers and "attachment" in headers.get("Content-Disposition", "")


def test_cross_backend_and_cross_host_links(farm):
    links = json.loads(call(farm, "GET", "/links")[2])
    assert links["docs"].startswith("http://docs.test") and links["admin"].startswith("/admin/")
    # every link the ui backend built leads, through lighttpd, to a page that exists
    for name, url in links.items():
        parts = urlsplit(url)
        host = parts.hostname or "main.test"
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        status, _, body = call(farm, "GET", path, host=host)
        assert status == 200, (name, url, status, body[:200])


def test_request_sees_what_lighttpd_saw(farm):
    status, _, body = call(farm, "GET", "/request?x=1&x=2", headers={"Cookie": "a=b"})
    info = json.loads(body)
    assert status == 200 and info["method"] == "GET" and info["path"] == "/request"


def test_callable_instance_handler(farm):
    status, _, body = call(farm, "GET", "/calls/5")
    assert status == 200 and json.loads(body)["n"] == 5


def test_body_over_the_route_limit_is_413(farm):
    status, _, body = call(farm, "POST", "/upload", body=b"a=" + b"x" * 10000,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and b"Traceback" not in body


def test_malformed_multipart_is_400(farm):
    status, _, body = call(farm, "POST", "/upload", body=b"--b\r\nno headers end",
                           headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert status == 400 and b"Traceback" not in body
