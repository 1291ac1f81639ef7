"""The FastCGI server answering requests: WSGI semantics and the FastCGI protocol.

Every test runs against a real serve() in a subprocess on a unix socket, once with our own record
I/O and once with flup's (tests/flupio.py), so both paths meet the same cases.
"""
import hashlib
import json
import os
import struct
import time

import pytest

import fcgi_client as fc


@pytest.fixture(scope="module", params=["lean", "flup"])
def server(request, tmp_path_factory):
    yield from fc.module_server(request, tmp_path_factory, workers=2, request_timeout=10)


def test_hello(server):
    reply = fc.get(server.path, "/hello")
    assert reply.status == 200
    assert reply.body == b"Hello, world!"
    assert reply.headers["content-type"] == "text/plain"
    assert reply.protocol_status == 0 and reply.app_status == 0


def test_environ_is_pep3333(server):
    reply = fc.get(server.path, "/environ", query="a=1&b=%20", HTTPS="on",
                    HTTP_X_THING="é".encode())                  # UTF-8 bytes on the wire
    env = json.loads(reply.body)
    assert env["REQUEST_METHOD"] == "GET"
    assert env["PATH_INFO"] == "/environ" and env["SCRIPT_NAME"] == ""
    assert env["QUERY_STRING"] == "a=1&b=%20"
    assert env["wsgi.url_scheme"] == "https"
    assert env["wsgi.version"] == [1, 0]
    assert env["wsgi.multiprocess"] is True and env["wsgi.multithread"] is False
    assert env["FCGI_ROLE"] == "RESPONDER"
    assert env["HTTP_X_THING"] == "é".encode().decode("latin-1")   # native str, latin-1
    assert env["wsgi.input.type"] == "BytesIO"


def test_missing_cgi_variables_get_defaults(server):
    with fc.Client(server.path) as c:
        c.send(fc.request_bytes({"REQUEST_METHOD": "GET", "SERVER_NAME": "x",
                                 "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.0"}))
        reply = c.reply()
    # PATH_INFO is "" here, so the app answers 404: what matters is that it ran.
    assert reply.status == 404


def test_post_small_body(server):
    body = b"line one\nline two\n" * 10
    reply = fc.get(server.path, "/echo", method="POST", body=body)
    assert json.loads(reply.body) == {"sha256": hashlib.sha256(body).hexdigest(),
                                      "length": len(body), "input": "BytesIO"}


def test_large_post_body_is_spooled(server):
    body = os.urandom(3 * 1024 * 1024 + 17)      # past the in-memory limit: a temporary file
    reply = fc.get(server.path, "/echo", method="POST", body=body)
    assert reply.status == 200
    echo = json.loads(reply.body)
    assert echo.pop("input") != "BytesIO"
    assert echo == {"sha256": hashlib.sha256(body).hexdigest(), "length": len(body)}


def test_streaming_response_is_not_held_back(server):
    with fc.Client(server.path) as c:
        c.send(fc.request_bytes(fc.cgi_params("/stream", query="0.8")))
        t0 = time.monotonic()
        rtype, _, first = c.read_record()
        t_first = time.monotonic() - t0
        reply = c.reply()
        t_end = time.monotonic() - t0
    assert rtype == fc.STDOUT and first.endswith(b"first;")
    assert t_first < 0.6 < t_end                # the first chunk went out before the sleep
    assert reply.stdout == b"second"


@pytest.mark.parametrize("as_list", [False, True])
def test_large_response_spans_records(server, as_list):
    size = 300_000
    extra = {"HTTP_X_LIST": "1"} if as_list else {}
    reply = fc.get(server.path, "/big", query=str(size), **extra)
    assert reply.status == 200
    assert reply.body == (bytes(range(256)) * (size // 256) + bytes(range(size % 256)))


def test_write_callable(server):
    reply = fc.get(server.path, "/write")
    assert reply.status == 200 and reply.body == b"written;returned"


def test_iterable_close_is_called(server, tmp_path):
    marker = tmp_path / "closed"
    reply = fc.get(server.path, "/close", query=str(marker))
    assert reply.body == b"closing"
    assert fc.wait_for(marker.exists, 2)


def test_app_exception_is_500_without_traceback(server):
    reply = fc.get(server.path, "/error")
    assert reply.status == 500
    assert b"Traceback" not in reply.stdout and b"must not reach" not in reply.stdout
    assert reply.stderr == b""
    assert fc.wait_for(lambda: "this error must not reach the client" in server.output(), 2)
    assert "Traceback" in server.output()


@pytest.mark.parametrize("path", ["/twice", "/badheader", "/strbody"])
def test_broken_responses_are_500(server, path):
    reply = fc.get(server.path, path)
    assert reply.status == 500
    assert b"never" not in reply.body and b"evil" not in reply.stdout


def test_exception_after_headers_breaks_the_response_off(server):
    with fc.Client(server.path) as c:
        c.send(fc.request_bytes(fc.cgi_params("/error-after")))
        with pytest.raises(EOFError):
            c.reply()                        # no FCGI_END_REQUEST: the web server sees it broken
    assert fc.get(server.path, "/hello").status == 200


def test_start_response_exc_info_replaces_headers(server):
    reply = fc.get(server.path, "/excinfo")
    assert reply.status == 503 and reply.body == b"replaced"


def test_start_response_exc_info_after_headers_reraises(server):
    with fc.Client(server.path) as c:
        c.send(fc.request_bytes(fc.cgi_params("/excinfo-late")))
        with pytest.raises(EOFError):
            c.reply()                        # broken off after "partial", never "never"
    assert fc.wait_for(lambda: "too late to change the status" in server.output(), 2)


def test_connection_closed_without_keep_conn(server):
    with fc.Client(server.path) as c:
        assert c.request("/hello").status == 200
        assert c.closed_by_server()


def test_keep_conn_serves_several_requests(server):
    with fc.Client(server.path) as c:
        pids = {c.request("/pid", keep=True, rid=rid).body for rid in (1, 2, 7)}
        assert len(pids) == 1                 # one connection, one worker
        assert c.request("/hello", rid=3).status == 200     # last one without the flag
        assert c.closed_by_server()


def test_get_values(server):
    with fc.Client(server.path) as c:
        asked = b"".join(fc.pair(n, "") for n in
                         ("FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS", "NO_SUCH_VALUE"))
        c.send(fc.record(fc.GET_VALUES, 0, asked))
        rtype, rid, content = c.read_record()
        assert (rtype, rid) == (fc.GET_VALUES_RESULT, 0)
        assert fc.decode_pairs(content) == {"FCGI_MAX_CONNS": "2", "FCGI_MAX_REQS": "2",
                                            "FCGI_MPXS_CONNS": "0"}
        assert c.request("/hello").status == 200    # the connection goes on


def test_unknown_record_type(server):
    with fc.Client(server.path) as c:
        c.send(fc.record(99, 0, b"whatever"))
        rtype, rid, content = c.read_record()
        assert (rtype, rid, content[0]) == (fc.UNKNOWN_TYPE, 0, 99)
        assert c.request("/hello").status == 200


def test_filter_role_is_refused(server):
    with fc.Client(server.path) as c:
        c.send(fc.request_bytes(fc.cgi_params("/hello"), role=fc.FILTER))
        reply = c.reply()
    assert reply.protocol_status == 3 and reply.stdout == b""     # FCGI_UNKNOWN_ROLE


def test_authorizer_role_is_served(server):
    with fc.Client(server.path) as c:
        # An authorizer gets parameters only; it must answer without waiting for FCGI_STDIN.
        params = b"".join(fc.pair(k, v) for k, v in fc.cgi_params("/environ").items())
        c.send(fc.record(fc.BEGIN_REQUEST, 1, struct.pack("!HB5x", fc.AUTHORIZER, 0))
               + fc.stream(fc.PARAMS, 1, params))
        reply = c.reply()
    assert reply.status == 200
    assert json.loads(reply.body)["FCGI_ROLE"] == "AUTHORIZER"


def test_second_request_on_a_busy_connection_is_cant_mpx(server):
    with fc.Client(server.path) as c:
        c.send(fc.record(fc.BEGIN_REQUEST, 1, struct.pack("!HB5x", fc.RESPONDER, 0))
               + fc.record(fc.BEGIN_REQUEST, 2, struct.pack("!HB5x", fc.RESPONDER, 0)))
        rtype, rid, content = c.read_record()
        assert (rtype, rid) == (fc.END_REQUEST, 2)
        assert struct.unpack("!IB3x", content)[1] == 1            # FCGI_CANT_MPX_CONN
        params = b"".join(fc.pair(k, v) for k, v in fc.cgi_params("/hello").items())
        c.send(fc.stream(fc.PARAMS, 1, params) + fc.stream(fc.STDIN, 1, b""))
        assert c.reply(1).body == b"Hello, world!"


def test_abort_before_the_request_runs(server):
    with fc.Client(server.path) as c:
        params = b"".join(fc.pair(k, v) for k, v in fc.cgi_params("/hello").items())
        c.send(fc.record(fc.BEGIN_REQUEST, 1, struct.pack("!HB5x", fc.RESPONDER, fc.KEEP_CONN))
               + fc.stream(fc.PARAMS, 1, params) + fc.record(fc.ABORT_REQUEST, 1))
        reply = c.reply(1)
        assert reply.stdout == b"" and reply.protocol_status == 0
        assert c.request("/hello", rid=2).status == 200       # kept connection goes on


def test_requests_on_many_connections_at_once(server):
    clients = [fc.Client(server.path) for _ in range(20)]
    try:
        for c in clients:
            c.send(fc.request_bytes(fc.cgi_params("/pid")))
        pids = {c.reply().body for c in clients}
    finally:
        for c in clients:
            c.close()
    assert pids <= {str(p).encode() for p in server.worker_pids()}
