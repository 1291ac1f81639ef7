"""Proxies through real lighttpd and a real backend user, called with the Python client."""
import http.client
import json
import sys
import uuid
from datetime import date, datetime, time, timezone
from decimal import Decimal

import pytest

from farmkit import TEST_APPS, Farm
from pycopia_www.proxy.client import RemoteError, ServerProxy

sys.path.insert(0, str(TEST_APPS))
from proxyapp import Color, Point  # noqa: E402  (registers them on this side too)


@pytest.fixture(scope="module")
def farm():
    f = Farm({"site": """\
        hosts = ["localhost"]
        default = true

        [[backend]]
        name = "api"
        user = "pwww-t-api"
        prefix = "/"
        app = "proxyapp"
        workers = 2
        pythonpath = ["@APPS@"]
        """})
    try:
        f.start()
        f.wait_until_serving("/rpc", expect=405)     # a GET is refused
        yield f
    finally:
        f.cleanup()


@pytest.fixture
def things(farm):
    return ServerProxy(f"http://127.0.0.1:{farm.port}/rpc", timeout=10)


def post(farm, body: bytes, headers=None, path="/rpc"):
    conn = http.client.HTTPConnection("127.0.0.1", farm.port, timeout=10)
    conn.request("POST", path, body, {"Content-Type": "application/json",
                                      "X-Requested-With": "pycopia-www", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, json.loads(data) if data else None


def test_calls_by_position_and_by_name(things):
    assert things.add(2, 3) == 5
    assert things.add(a=1) == 11
    assert things.options("ab", loud=True) == "AB"


def test_typed_values_round_trip_through_the_farm(things):
    value = {
        "when": datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc), "day": date(2026, 2, 28),
        "at": time(7, 15, 30), "price": Decimal("19.99"), "tags": {"a", "b"}, "frozen": frozenset({1}),
        "blob": bytes(range(256)), "id": uuid.uuid4(), "color": Color.GREEN, "point": Point(1.5, -2.0),
        "big": 2 ** 70, "$type": "user data, not a tag", 7: "an int key",
    }
    assert things.echo(value) == value


def test_remote_exceptions(things):
    with pytest.raises(ValueError, match="bad value") as info:
        things.fail()
    assert isinstance(info.value, RemoteError) and info.value.type == "ValueError"
    with pytest.raises(PermissionError):
        things.fail("PermissionError", "no")
    with pytest.raises(RemoteError) as info:
        things.nothing()
    assert info.value.code == -32601 and info.value.type == "MethodNotFound"
    with pytest.raises(RemoteError) as info:
        things.add("x")
    assert info.value.code == -32602 and "must be int" in info.value.message


def test_l8_an_unmarked_exception_reaches_the_log_not_the_caller(farm, things):
    with pytest.raises(RemoteError) as info:
        things.leak()
    assert info.value.code == -32000 and info.value.message == "leak failed (the server's log says why)"
    assert "internal state" not in str(info.value) and info.value.data is None
    assert "RuntimeError: internal state: " in farm.logs()


def test_batch_and_notification(things):
    with things._batch() as batch:
        total, bad, echoed = batch.add(1, 2), batch.fail(), batch.echo({1, 2})
    assert total.result() == 3 and echoed.result() == {1, 2}
    with pytest.raises(ValueError):
        bad.result()
    marker = uuid.uuid4().hex
    things._notify("note", marker)
    assert marker in things.notes()          # written by the backend user in its state dir


def test_request_reaches_the_method_through_lighttpd(things):
    assert things.whoami()["path"] == "/rpc"


def test_transport_refusals_through_lighttpd(farm):
    call = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "add", "params": [1, 1]}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", farm.port, timeout=10)
    conn.request("GET", "/rpc")
    response = conn.getresponse()
    assert response.status == 405 and response.getheader("Allow") == "POST, OPTIONS"
    conn.close()
    assert post(farm, call, {"X-Requested-With": ""})[0] == 403
    assert post(farm, call, {"Origin": "http://evil.example"})[0] == 403
    assert post(farm, call, {"Origin": f"http://localhost:{farm.port}", "Host": f"localhost:{farm.port}"})[0] == 200
    assert post(farm, call, {"Content-Type": "text/plain"})[0] == 415
    status, body = post(farm, b'{"jsonrpc": "2.0", "id": 1, "method": "echo", "params": ["'
                        + b"x" * (2 << 20) + b'"]}')
    assert status == 413 and body["error"]["code"] == -32600
    status, body = post(farm, b"[" * 500000)        # counted before it is parsed (M4)
    assert status == 413 and body["error"]["code"] == -32600
    status, body = post(farm, b"[" * 40000)         # within the count: nested too deeply, a
    assert status == 200 and body["error"]["code"] == -32700      # JSON-RPC error: HTTP 200
    status, body = post(farm, b'{"jsonrpc": "2.0", "id": 1, "method": "echo", "params": ['
                        + b"[" * 100 + b"]" * 100 + b"]}")
    assert status == 200 and body["error"]["code"] == -32602
    # None of that hurt the workers.
    assert post(farm, call)[1]["result"] == 2
