"""Malformed FastCGI input sent straight to the socket: the backend keeps serving.

After each case the master and all its workers must still be there (a worker may drop the bad
connection, with a log line, but should not die) and a good request must be answered.
"""
import socket
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import fcgi_client as fc

BEGIN = fc.record(fc.BEGIN_REQUEST, 1, struct.pack("!HB5x", fc.RESPONDER, 0))
PARAMS = b"".join(fc.pair(k, v) for k, v in fc.cgi_params("/hello").items())
REQUEST = fc.request_bytes(fc.cgi_params("/hello"))
LONG = 0x80000000


@pytest.fixture(scope="module", params=["lean", "flup"])
def server(request, tmp_path_factory):
    yield from fc.module_server(request, tmp_path_factory, workers=2, request_timeout=1)


def still_serving(srv, workers=None):
    assert fc.alive(srv.pid), srv.output()
    for _ in range(4):
        reply = fc.get(srv.path, "/hello")
        assert reply.status == 200 and reply.body == b"Hello, world!"
    assert srv.proc.poll() is None
    return set(srv.worker_pids()) == set(workers if workers is not None else srv.worker_pids())


def send_and_close(srv, data):
    """Send raw bytes; close our writing side; collect whatever comes back until the server closes."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(srv.path)
        out = b""
        try:
            s.sendall(data)                 # the server may hang up before it has read it all
            s.shutdown(socket.SHUT_WR)
            while chunk := s.recv(65536):
                out += chunk
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        return out


CASES = {
    "truncated header": REQUEST[:5],
    "truncated content": BEGIN + fc.record(fc.PARAMS, 1, PARAMS)[:40],
    "wrong version": fc.record(fc.BEGIN_REQUEST, 1, struct.pack("!HB5x", 1, 0), version=2),
    "huge content length, short data": BEGIN + struct.pack("!BBHHBx", 1, fc.PARAMS, 1, 65535, 255)
                                       + b"x" * 100,
    "garbage": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 4,
    "closed mid-request": REQUEST[:len(REQUEST) - 20],
    "closed after params": BEGIN + fc.stream(fc.PARAMS, 1, PARAMS),
    "pair length past the record": BEGIN + fc.record(fc.PARAMS, 1, b"\x7f\x7fAB")
                                   + fc.record(fc.PARAMS, 1) + fc.stream(fc.STDIN, 1, b""),
    "four-byte lengths, bogus": BEGIN + fc.record(fc.PARAMS, 1, struct.pack("!II", LONG | 0x7FFFFFF0,
                                                                            LONG | 5) + b"abc")
                                + fc.record(fc.PARAMS, 1) + fc.stream(fc.STDIN, 1, b""),
    "truncated four-byte length": BEGIN + fc.record(fc.PARAMS, 1, b"\x80\x00")
                                  + fc.record(fc.PARAMS, 1) + fc.stream(fc.STDIN, 1, b""),
    "begin with request id 0": fc.record(fc.BEGIN_REQUEST, 0, struct.pack("!HB5x", 1, 0)),
    "begin with a short body": fc.record(fc.BEGIN_REQUEST, 1, b"\x00\x01"),
    "second begin, same id": BEGIN + BEGIN,
    "params without begin": fc.stream(fc.PARAMS, 1, PARAMS) + fc.stream(fc.STDIN, 1, b""),
    "records of the application": fc.record(fc.STDOUT, 1, b"hi") + fc.record(fc.END_REQUEST, 1,
                                                                               b"\0" * 8),
    "get_values with bad pairs": fc.record(fc.GET_VALUES, 0, b"\x85\x01ab"),
    "padding past the end": fc.record(fc.BEGIN_REQUEST, 1, struct.pack("!HB5x", 1, 0))[:8]
                            + b"\0" * 4,
    "params over a megabyte": BEGIN + b"".join(fc.record(fc.PARAMS, 1, b"\x01\x7f" + b"a" * 128
                                                         + b"\0" * 65000) for _ in range(20)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_input_leaves_the_backend_serving(server, case):
    workers = server.worker_pids()
    send_and_close(server, CASES[case])
    assert still_serving(server, workers), f"a worker died on {case!r}:\n{server.output()}"


def test_malformed_input_is_logged(server):
    send_and_close(server, CASES["wrong version"])
    assert fc.wait_for(lambda: "FastCGI version 2" in server.output(), 2)


def test_silent_client_is_dropped_after_the_timeout(server):
    workers = server.worker_pids()
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(server.path)
        s.sendall(BEGIN + fc.record(fc.PARAMS, 1, PARAMS)[:30])    # and then nothing
        assert still_serving(server, workers)                     # the other worker serves
        t0 = time.monotonic()
        assert s.recv(100) == b""                                 # dropped by the timeout
        assert time.monotonic() - t0 < 2.5
    assert still_serving(server, workers)


def test_client_gone_before_the_response(server):
    workers = server.worker_pids()
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(server.path)
        s.sendall(fc.request_bytes(fc.cgi_params("/big", query="5000000")))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # The worker's writes fail (EPIPE/ECONNRESET); it logs and goes on.
    assert still_serving(server, workers)


def test_kept_connection_then_garbage(server):
    workers = server.worker_pids()
    with fc.Client(server.path) as c:
        assert c.request("/hello", keep=True).status == 200
        c.send(b"\x07" * 64)
        assert c.closed_by_server()
    assert still_serving(server, workers)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=200).map(lambda tail: BEGIN + tail),
    st.tuples(st.integers(0, len(REQUEST)), st.binary(max_size=32)).map(
        lambda cut: REQUEST[:cut[0]] + cut[1] + REQUEST[cut[0]:])))
def test_fuzzed_input_leaves_the_backend_serving(server, data):
    workers = server.worker_pids()
    send_and_close(server, data)
    assert still_serving(server, workers), f"a worker died on {data!r}:\n{server.output()}"
