"""Responses: bodies of each kind, JSON, redirects, X-Sendfile, cookies; headers stay safe."""
import datetime

import pytest

from pycopia_www.testing import Client
from pycopia_www.web.response import (FileResponse, HTMLResponse, JSONResponse, Redirect, Response,
                                      StreamResponse, to_response)
from webapps import make_site


def run(response, method="GET"):
    """(status line, headers, body) of a response called as a WSGI application."""
    got = {}

    def start_response(status, headers, exc_info=None):
        got["status"], got["headers"] = status, headers
    body = b"".join(response({"REQUEST_METHOD": method}, start_response))
    return got["status"], dict(got["headers"]), body


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return Client.for_site(make_site(tmp_path_factory.mktemp("site")))


def test_text_is_plain_utf8_never_html():
    status, headers, body = run(Response("héllo <b>"))
    assert (status, headers["Content-Type"], body) == ("200 OK", "text/plain; charset=utf-8",
                                                       "héllo <b>".encode())
    assert headers["Content-Length"] == str(len(body))


def test_handler_return_values():
    class Doc:
        def render(self, accept):
            return b"<html/>", "application/xhtml+xml; charset=utf-8" if "xhtml" in accept else "text/html"
    request = type("R", (), {"environ": {"HTTP_ACCEPT": "application/xhtml+xml"}})()
    assert to_response("x", request).headers["Content-Type"] == "text/plain; charset=utf-8"
    assert to_response(b"\x00", request).headers["Content-Type"] == "application/octet-stream"
    assert to_response(None, request).status == 204
    assert run(to_response({"a": "é"}, request))[2] == '{"a":"é"}'.encode()
    doc = to_response(Doc(), request)
    assert doc.headers["Content-Type"].startswith("application/xhtml+xml") and doc.headers["Vary"] == "Accept"
    assert run(to_response(iter([b"a", "b"]), request))[2] == b"ab"
    with pytest.raises(TypeError, match="returned int"):
        to_response(3, request)


def test_html_response_is_sent_as_given():
    assert run(HTMLResponse("<p>x</p>"))[1]["Content-Type"] == "text/html; charset=utf-8"


def test_json_response():
    status, headers, body = run(JSONResponse({"when": datetime.date(2024, 1, 2)}, 201, default=str))
    assert (status, headers["Content-Type"], body) == ("201 Created", "application/json", b'{"when":"2024-01-02"}')


def test_stream_is_not_buffered_and_is_closed():
    produced = []

    def chunks():
        try:
            for i in range(3):
                produced.append(i)
                yield f"{i}\n"
        finally:
            produced.append("closed")
    response = StreamResponse(chunks(), content_type="text/plain")
    started = []
    iterable = response({}, lambda s, h, e=None: started.append(h))
    assert produced == [] and "Content-Length" not in dict(started[0])
    assert next(iter(iterable)) == b"0\n" and produced == [0]
    iterable.close()
    assert produced[-1] == "closed"


def test_stream_through_the_client(client):
    assert client.get("/stream").text == "line 0\nline 1\nline 2\n"


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirects_with_query(code, client):
    r = client.get(f"/redirect/{code}")
    assert r.status == code
    assert r.location == "/target%20path?a=1+2&b=x&b=y"


def test_redirect_rules():
    with pytest.raises(ValueError, match="one of"):
        Redirect("/x", 200)
    with pytest.raises(ValueError, match="scheme-relative"):
        Redirect("//evil.example/")
    assert Redirect("/\\evil.example").location == "/%5Cevil.example"
    assert Redirect("/a?x=1", query={"y": 2}).location == "/a?x=1&y=2"
    assert Redirect("/é%20ok").location == "/%C3%A9%20ok"
    r = Redirect('/"><script>')
    assert b"<script>" not in run(r)[2]


def test_redirect_after_post(client):
    r = client.post("/form", data={"name": "widget"}, follow=True)
    assert r.status == 200 and r.text == "item widget"
    r = client.post("/form", data={"name": "widget"})
    assert (r.status, r.location) == (303, "/item/widget?saved=1")


def test_file_response_lets_lighttpd_send_the_file(tmp_path, monkeypatch, client):
    (tmp_path / "report é.pdf").write_bytes(b"%PDF")
    monkeypatch.setenv("WEBAPPS_FILES", str(tmp_path))
    r = FileResponse(tmp_path / "report é.pdf", filename="report é.pdf", attachment=True)
    status, headers, body = run(r)
    assert headers["X-Sendfile"] == str(tmp_path / "report é.pdf").encode().decode("latin-1")
    assert headers["Content-Type"] == "application/pdf" and body == b"" and "Content-Length" not in headers
    assert headers["Content-Disposition"] == \
        "attachment; filename=\"report _.pdf\"; filename*=UTF-8''report%20%C3%A9.pdf"
    with pytest.raises(ValueError, match="absolute"):
        FileResponse("relative.txt")
    (tmp_path / "notes.txt").write_text("notes")
    got = client.get("/file/notes.txt")       # the client does what lighttpd does with X-Sendfile
    assert got.body == b"notes" and got.content_type == "text/plain; charset=utf-8"


def test_cookie_attributes():
    r = Response("x")
    r.set_cookie("sid", "abc", max_age=datetime.timedelta(hours=1), path="/app", domain="example.com",
                 secure=True, samesite="Strict", partitioned=True,
                 expires=datetime.datetime(2030, 1, 2, 3, 4, 5))
    r.set_cookie("plain", "1")
    r.delete_cookie("old")
    assert r.headers.get_all("Set-Cookie") == [
        "sid=abc; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=3600; Domain=example.com; Path=/app; "
        "Secure; HttpOnly; SameSite=Strict; Partitioned",
        "plain=1; Path=/; HttpOnly; SameSite=Lax",
        "old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    ]


@pytest.mark.parametrize("kwargs, reason", [
    ({"name": "a b"}, "invalid cookie name"),
    ({"value": "a;b"}, "encode it"),
    ({"value": "é"}, "encode it"),
    ({"samesite": "None"}, "requires secure"),
    ({"partitioned": True}, "requires secure"),
    ({"samesite": "lax"}, "must be one of"),
    ({"path": "/a;b"}, "invalid Path"),
])
def test_bad_cookies_are_refused(kwargs, reason):
    args = {"name": "n", "value": "v", **kwargs}
    with pytest.raises(ValueError, match=reason):
        Response().set_cookie(args.pop("name"), args.pop("value"), **args)


def test_header_injection_is_refused():
    r = Response("x")
    with pytest.raises(ValueError):
        r.headers.add("X-A", "1\r\nSet-Cookie: evil=1")
    with pytest.raises(ValueError):
        r.headers.add("X-A: b", "1")
    with pytest.raises(ValueError, match="latin-1"):
        r.headers.add("X-A", "€")


def test_head_keeps_length_drops_body(client):
    get, head = client.get("/"), client.head("/")
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == str(len(get.body))


def test_no_content_has_no_length():
    status, headers, body = run(Response(b"", 204))
    assert status == "204 No Content" and "Content-Length" not in headers and body == b""


def test_http_date_is_the_imf_fixdate_of_email_utils_whatever_the_locale():
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime
    from pycopia_www.web.cookies import http_date
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    for n in range(0, 400, 7):
        t = when + timedelta(days=n, seconds=n * 3671)
        assert http_date(t) == format_datetime(t, usegmt=True)
    assert http_date(datetime(1999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2)))) == \
        "Sat, 01 Jan 2000 01:00:00 GMT"
