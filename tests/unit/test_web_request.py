"""Request parsing: query, forms, uploads, JSON, cookies, headers; malformed input is a 4xx."""
import io
import os

import pytest

from pycopia_www.testing import Client
from pycopia_www.web.errors import (BadRequest, PayloadTooLarge, RequestHeaderFieldsTooLarge,
                                    UnsupportedMediaType)
from pycopia_www.web.limits import Limits
from pycopia_www.web.request import Request
from webapps import make_site, track_spooled_files


def make(body: bytes = b"", *, content_type: str | None = None, length: str | None = None,
         limits: Limits = Limits(), **environ) -> Request:
    env = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/", "QUERY_STRING": "",
           "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "SERVER_PORT": "80",
           "CONTENT_LENGTH": str(len(body)) if length is None else length}
    if content_type:
        env["CONTENT_TYPE"] = content_type
    env.update(environ)
    return Request(env, limits=limits)


def multipart(*parts: bytes, boundary=b"XyZ", close=True) -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
    return body + (b"--" + boundary + b"--\r\n" if close else b"")


MP = "multipart/form-data; boundary=XyZ"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return Client.for_site(make_site(tmp_path_factory.mktemp("site")))


# -- where the request is -----------------------------------------------------------------------

def test_method_path_host_scheme_and_remote_address():
    r = make(REQUEST_METHOD="get", SCRIPT_NAME="/sys", PATH_INFO="/caf\xc3\xa9", HTTP_HOST="Box.Local:8080",
             REMOTE_ADDR="10.1.2.3", REMOTE_PORT="5555", HTTP_X_FORWARDED_FOR="6.6.6.6",
             QUERY_STRING="a=1")
    assert (r.method, r.script_name, r.path_info, r.path) == ("GET", "/sys", "/café", "/sys/café")
    assert (r.host, r.port, r.scheme) == ("box.local", 8080, "http")
    assert (r.remote_addr, r.remote_port) == ("10.1.2.3", 5555)
    assert r.url == "http://box.local:8080/sys/caf%C3%A9?a=1"


def test_ipv6_host_and_default_port():
    r = make(HTTP_HOST="[::1]", **{"wsgi.url_scheme": "https"})
    assert (r.host, r.port) == ("[::1]", 443)


def test_path_that_is_not_utf8_is_400():
    with pytest.raises(BadRequest, match="path is not valid UTF-8"):
        make(PATH_INFO="/\xff").path_info


def test_through_the_client(client):
    info = client.get("/request", headers={"User-Agent": "tester"}).json()
    assert info["remote_addr"] == "127.0.0.1" and info["agent"] == "tester"
    assert (info["host"], info["port"], info["path_info"]) == ("main.test", 80, "/request")
    admin = client.get("/admin/users/ann").json()
    assert admin["kwargs"] == {"name": ["str", "'ann'"]}


# -- query string ---------------------------------------------------------------------------------

def test_query_is_multivalued_and_decoded():
    q = make(QUERY_STRING="a=1&a=2&b=x+y%21&c=&d=%C3%A9").query
    assert q.getall("a") == ["1", "2"] and q["a"] == "1"
    assert (q["b"], q["c"], q["d"]) == ("x y!", "", "é")
    assert q.getall("missing") == []


def test_query_with_invalid_utf8_is_400():
    with pytest.raises(BadRequest, match="not valid UTF-8"):
        make(QUERY_STRING="a=%ff").query
    with pytest.raises(BadRequest):
        make(QUERY_STRING="a=\xff").query


def test_too_many_query_fields_is_413():
    with pytest.raises(PayloadTooLarge, match="more than 3 fields"):
        make(QUERY_STRING="a&b&c&d", limits=Limits(max_fields=3)).query


def test_query_through_the_client(client):
    assert client.get("/query?a=1&a=2&b=%20").json() == {"a": ["1", "2"], "b": [" "]}


# -- forms --------------------------------------------------------------------------------------

def test_urlencoded_form():
    r = make(b"name=ann&tag=a&tag=b&x=%E2%82%AC", content_type="application/x-www-form-urlencoded")
    assert r.form.getall("tag") == ["a", "b"] and r.form["x"] == "€" and len(r.files) == 0


def test_urlencoded_form_invalid_utf8_is_400():
    with pytest.raises(BadRequest):
        make(b"x=%ff", content_type="application/x-www-form-urlencoded").form
    with pytest.raises(BadRequest):
        make(b"x=\xff", content_type="application/x-www-form-urlencoded").form


def test_form_of_another_content_type_is_empty():
    assert len(make(b"{}", content_type="application/json").form) == 0


def test_multipart_fields_and_files(tmp_path):
    body = multipart(b'Content-Disposition: form-data; name="title"\r\n\r\nHello \xe2\x82\xac',
                     b'Content-Disposition: form-data; name="doc"; filename="C:\\dir\\a.txt"\r\n'
                     b'Content-Type: text/plain\r\n\r\nline1\r\nline2 --XyZ not at a line start',
                     b'Content-Disposition: form-data; name="empty"; filename=""\r\n'
                     b'Content-Type: application/octet-stream\r\n\r\n')
    r = make(body, content_type=MP, limits=Limits(spool_bytes=10, upload_dir=str(tmp_path)))
    assert r.form.to_dict() == {"title": ["Hello €"]}
    doc = r.files["doc"]
    assert (doc.filename, doc.content_type, doc.size) == ("a.txt", "text/plain", 38)
    assert doc.read() == b"line1\r\nline2 --XyZ not at a line start"
    # Over spool_bytes: streamed to an (unlinked) file in upload_dir.
    assert doc.on_disk
    assert os.readlink(f"/proc/self/fd/{doc.file.fileno()}").startswith(str(tmp_path))
    assert "empty" not in r.files                            # an empty file input is no upload
    r.close()
    assert doc.file.closed


def test_small_upload_stays_in_memory():
    body = multipart(b'Content-Disposition: form-data; name="f"; filename="x"\r\n\r\nabc')
    f = make(body, content_type=MP).files["f"]
    assert (f.read(), f.on_disk) == (b"abc", False)


def test_multipart_in_small_chunks_finds_boundaries_split_across_reads():
    class Trickle(io.BytesIO):
        def read(self, n=-1):
            return super().read(min(n, 3))
    body = multipart(b'Content-Disposition: form-data; name="a"\r\n\r\n' + b"x" * 100,
                     b'Content-Disposition: form-data; name="b"\r\n\r\ny')
    r = make(body, content_type=MP)
    r.environ["wsgi.input"] = Trickle(body)
    assert r.form.to_dict() == {"a": ["x" * 100], "b": ["y"]}


def test_upload_through_the_client(client):
    r = client.post("/upload", data={"note": "hi"}, files={"f": ("a.bin", b"\x00" * 200, "application/x-a")})
    info = r.json()
    assert info["fields"] == {"note": ["hi"], "csrf_token": [client.cookies["pwww_csrf"]]}
    assert info["files"]["f"]["size"] == 200 and info["files"]["f"]["on_disk"] is True   # route: spool_bytes=100


@pytest.mark.parametrize("body, content_type, reason", [
    (multipart(b'Content-Disposition: form-data; name="a"\r\n\r\nx', close=False), MP, "closing boundary"),
    (b"garbage without boundary", MP, "does not start with its boundary"),
    (multipart(b'Content-Disposition: form-data; name="a"\r\n\r\nx'), "multipart/form-data", "boundary"),
    (multipart(b'Content-Disposition: form-data; name="a"\r\n\r\nx'), "multipart/form-data; boundary=", "boundary"),
    (multipart(b"Content-Disposition: attachment\r\n\r\nx"), MP, "form-data; name"),
    (multipart(b"no colon here\r\n\r\nx"), MP, "malformed multipart part header"),
    (multipart(b'Content-Disposition: form-data; name="\xff"\r\n\r\nx'), MP, "not valid UTF-8"),
    (multipart(b'Content-Disposition: form-data; name="a"\r\n\r\n\xff'), MP, "'a' is not valid UTF-8"),
    (multipart(b'Content-Disposition: form-data; name="a"\r\nX: ' + b"y" * 9000 + b"\r\n\r\nx"), MP, "too long"),
    (b"--XyZjunk\r\n", MP, "malformed multipart boundary line"),
])
def test_malformed_multipart_is_400(body, content_type, reason):
    with pytest.raises(BadRequest) as info:
        make(body, content_type=content_type).form
    assert reason in info.value.reason


def test_multipart_limits_are_413(monkeypatch):
    field = b'Content-Disposition: form-data; name="a"\r\n\r\n' + b"x" * 20
    with pytest.raises(PayloadTooLarge, match="larger than 10 bytes"):
        make(multipart(field), content_type=MP, limits=Limits(max_field_bytes=10)).form
    file = b'Content-Disposition: form-data; name="f"; filename="x"\r\n\r\nabc'
    with pytest.raises(PayloadTooLarge, match="more than 1 uploaded files"):
        make(multipart(file, file), content_type=MP, limits=Limits(max_files=1)).form
    with pytest.raises(PayloadTooLarge, match="more than 2 form fields"):
        make(multipart(field, field, field), content_type=MP, limits=Limits(max_fields=2)).form
    # Files already spooled when a limit hits are closed, not leaked.
    created = track_spooled_files(monkeypatch)
    with pytest.raises(PayloadTooLarge):
        make(multipart(file, file), content_type=MP, limits=Limits(max_files=1)).form
    assert len(created) == 1 and created[0].closed


# -- body and Content-Length ---------------------------------------------------------------------

def test_body_shorter_than_content_length_is_400():
    with pytest.raises(BadRequest, match="shorter than its Content-Length"):
        make(b"abc", length="10").body


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "\u0661"])
def test_invalid_content_length_is_400(length):
    with pytest.raises(BadRequest, match="invalid Content-Length"):
        make(b"abc", length=length).body


def test_body_over_the_limit_is_413_before_reading():
    r = make(b"x" * 10, limits=Limits(max_body=5))
    with pytest.raises(PayloadTooLarge):
        r.body
    assert r.environ["wsgi.input"].tell() == 0


def test_body_is_read_only_up_to_content_length():
    assert make(b"abcdef", length="3").body == b"abc"


def test_limits_through_the_client(client):
    r = client.post("/upload", data={"x": "y" * 5000})        # route sets max_body=4096
    assert r.status == 413 and b"larger than 4096" in r.body
    r = client.get("/query?" + "&".join(f"k{i}=1" for i in range(60)))   # module sets max_fields=50
    assert r.status == 413


# -- JSON -------------------------------------------------------------------------------------------

def test_json_body():
    assert make(b'{"a": [1, "\xc3\xa9"]}', content_type="application/json").json == {"a": [1, "é"]}
    assert make(b"[1]", content_type="application/vnd.x+json").json == [1]


@pytest.mark.parametrize("body, content_type, error, reason", [
    (b"{}", "text/plain", UnsupportedMediaType, "expected a JSON body"),
    (b"", "application/json", BadRequest, "empty JSON body"),
    (b'{"a": }', "application/json", BadRequest, "not valid JSON: Expecting value at line 1 column 7"),
    (b'"\xff"', "application/json", BadRequest, "not valid UTF-8"),
])
def test_bad_json(body, content_type, error, reason):
    with pytest.raises(error) as info:
        make(body, content_type=content_type).json
    assert reason in info.value.reason


def test_json_through_the_client(client):
    assert client.post("/json", json={"x": 1}).json() == {"got": {"x": 1}}
    r = client.post("/json", body=b"{nope", content_type="application/json")
    assert r.status == 400 and b"not valid JSON" in r.body


def test_l14_deep_json_is_a_400_not_a_500(client):
    """Nesting deep enough to exhaust the parser's recursion is bad input, not a server error."""
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(BadRequest, match="nested too deeply"):
        make(deep, content_type="application/json").json
    r = client.post("/json", body=b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
                    content_type="application/json")
    assert r.status == 400 and b"nested too deeply" in r.body


# -- headers and cookies --------------------------------------------------------------------------

def test_headers_are_case_insensitive():
    r = make(b"{}", content_type="application/json; charset=utf-8", HTTP_X_THING="v")
    assert r.headers["x-thing"] == r.headers["X-Thing"] == "v"
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.content_type == "application/json"
    assert set(r.headers) >= {"X-Thing", "Content-Type", "Content-Length"}
    assert r.headers.get("missing") is None


def test_huge_headers_are_431():
    r = make(HTTP_X_BIG="x" * 100, limits=Limits(max_header_bytes=50))
    with pytest.raises(RequestHeaderFieldsTooLarge):
        r.check_headers()
    make(HTTP_X_BIG="x" * 10, limits=Limits(max_header_bytes=50)).check_headers()


def test_huge_headers_through_the_client(client):
    r = client.get("/", headers={"X-Big": "x" * 20000})
    assert r.status == 431 and b"exceed" in r.body


def test_cookies():
    r = make(HTTP_COOKIE='a=1; b="quoted"; a=2; bad name=3; c=caf\xc3\xa9; d=\xff; novalue')
    assert r.cookies == {"a": "1", "b": "quoted", "c": "café"}


def test_cookies_are_kept_by_the_client(client):
    client.cookies.clear()
    assert client.get("/cookie?set=abc").status == 200
    assert client.cookies == {"session": "abc"}
    assert client.get("/cookie").text == "cookies: [('session', 'abc')]"
    client.get("/cookie?clear=1")
    assert client.cookies == {}
