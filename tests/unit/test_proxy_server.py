"""The JSON-RPC 2.0 server, called as the web layer calls it: every error case of the protocol,
batches, notifications, the transport rules, limits, introspection, roles."""
import io
import json
import sys
from pathlib import Path

import pytest

from pycopia_www.proxy import Proxy
from pycopia_www.web.request import Request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "apps"))
import proxyapp  # noqa: E402

HEADERS = {"HTTP_X_REQUESTED_WITH": "pycopia-www"}


def call(payload=None, *, proxy=None, raw: bytes | None = None, method="POST",
         content_type="application/json", headers=HEADERS, environ=None, debug=False):
    """(status, headers, parsed body or None) for one HTTP request to the proxy."""
    body = raw if raw is not None else json.dumps(payload).encode()
    env = {"REQUEST_METHOD": method, "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
           "wsgi.input": io.BytesIO(body), "HTTP_HOST": "box.local:8080", "wsgi.url_scheme": "http",
           "PATH_INFO": "/rpc", **headers, **(environ or {})}
    response = (proxy or proxyapp.proxy)(Request(env, debug=debug))
    out = {}

    def start_response(status, hdrs, exc_info=None):
        out["status"], out["headers"] = int(status.split()[0]), dict(hdrs)
    data = b"".join(response(env, start_response))
    return out["status"], out["headers"], json.loads(data) if data else None


def rpc(method, params=None, id_=1):
    message = {"jsonrpc": "2.0", "method": method, "id": id_}
    if params is not None:
        message["params"] = params
    return message


def error_of(payload, **kw):
    status, _, body = call(payload, **kw)
    return status, body["error"]


# -- calls --------------------------------------------------------------------------------------

def test_positional_and_named_parameters_and_defaults():
    assert call(rpc("add", [2, 3]))[2] == {"jsonrpc": "2.0", "id": 1, "result": 5}
    assert call(rpc("add", {"b": 1, "a": 2}))[2]["result"] == 3
    assert call(rpc("add", [7]))[2]["result"] == 17
    assert call(rpc("options", {"name": "ab", "loud": True, "times": 2}))[2]["result"] == "ABAB"


def test_id_is_echoed_whatever_its_json_type():
    for id_ in ("abc", 7, 1.5, None):
        assert call(rpc("add", [1, 1], id_))[2]["id"] == id_


def test_request_parameter_is_injected_and_not_remote():
    result = call(rpc("whoami"))[2]["result"]
    assert result["path"] == "/rpc" and result["user"] is None
    assert call(rpc("greet", ["ann"]))[2]["result"] == "hi ann at /rpc"
    assert call(rpc("greet", {"greeting": "yo", "name": "ann"}))[2]["result"] == "yo ann at /rpc"
    status, err = error_of(rpc("whoami", {"request": "spoofed"}))
    assert err["code"] == -32602 and "request" in err["message"]


# -- protocol errors ----------------------------------------------------------------------------

# Protocol errors are JSON-RPC answers, so HTTP 200: clients treat other statuses as transport
# failures and never read the error object (docs/proxy.md).
@pytest.mark.parametrize("raw", [b"{", b"[1,", b"nope", b"\xff\xfe", b'{"a": NaN}', b""])
def test_parse_error_is_an_answer_with_minus_32700(raw):
    status, _, body = call(raw=raw)
    assert status == 200 and body["error"]["code"] == -32700 and body["id"] is None


@pytest.mark.parametrize("message", [
    5, "call", None, {"method": "add"}, {"jsonrpc": "1.0", "method": "add", "id": 1},
    {"jsonrpc": "2.0", "method": 5, "id": 1}, {"jsonrpc": "2.0", "method": "add", "params": 3, "id": 1},
    {"jsonrpc": "2.0", "method": "add", "params": "ab", "id": 1},
    {"jsonrpc": "2.0", "method": "add", "id": {"x": 1}}, {"jsonrpc": "2.0", "method": "add", "id": True},
])
def test_invalid_request_is_an_answer_with_minus_32600(message):
    status, err = error_of(message)
    assert status == 200 and err["code"] == -32600


def test_method_not_found_and_private_methods_are_never_exposed():
    for name in ("nothing", "_private", "__init__", "__class__", "rpc.other"):
        status, err = error_of(rpc(name))
        assert status == 200 and err["code"] == -32601 and name in err["message"]


@pytest.mark.parametrize("params, fragment", [
    ([], "missing a required argument: 'a'"),
    ([1, 2, 3], "too many positional arguments"),
    ({"a": 1, "c": 2}, "unexpected keyword argument 'c'"),
    (["one"], "parameter 'a' must be int, not str"),
    ([True], "parameter 'a' must be int, not bool"),
    ([{"$type": "date", "$value": "yesterday"}], "bad 'date' value"),
    ([{"$type": "nosuch", "$value": 1}], "unknown type 'nosuch'"),
    ([{"$type": "set"}], "exactly"),
])
def test_invalid_params_say_what_is_wrong(params, fragment):
    status, err = error_of(rpc("add", params))
    assert status == 200 and err["code"] == -32602 and fragment in err["message"]


def test_keyword_only_parameters_cannot_be_given_by_position():
    assert error_of(rpc("options", ["a", True]))[1]["code"] == -32602


def test_an_exception_becomes_an_error_naming_its_type_without_traceback():
    status, err = error_of(rpc("fail", ["KeyError", "nope"]))
    assert status == 200 and err["code"] == -32000
    assert err["data"] == {"type": "KeyError", "message": "'nope'"}
    assert "Traceback" not in json.dumps(err)


def test_debug_mode_adds_the_traceback():
    _, err = error_of(rpc("fail", ["ValueError", "x"]), debug=True)
    assert "Traceback" in err["data"]["traceback"] and "def fail" not in err["message"]


def test_rpc_error_keeps_its_code_message_and_data():
    assert error_of(rpc("custom_error"))[1] == {"code": 4000, "message": "custom", "data": {"why": "because"}}


def test_unencodable_result_is_an_internal_error():
    status, err = error_of(rpc("unencodable"))
    assert status == 200 and err["code"] == -32603 and "register_type" in err["message"]


# -- notifications and batches ------------------------------------------------------------------

def test_notification_runs_and_gets_no_answer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, _, body = call({"jsonrpc": "2.0", "method": "note", "params": ["hello"]})
    assert status == 204 and body is None
    assert (tmp_path / "notified.txt").read_text() == "hello\n"
    # A failing notification is not answered either.
    assert call({"jsonrpc": "2.0", "method": "fail"})[0] == 204


def test_batch_mixing_good_and_bad_calls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, _, body = call([rpc("add", [1, 2], 1), rpc("nothing", None, 2), 42,
                            {"jsonrpc": "2.0", "method": "note", "params": ["n"]},
                            rpc("add", ["x"], 3), rpc("fail", None, 4)])
    assert status == 200 and isinstance(body, list)
    answers = body
    assert all(a["jsonrpc"] == "2.0" for a in answers)
    assert [a.get("id") for a in answers] == [1, 2, None, 3, 4]
    assert answers[0]["result"] == 3
    assert [a["error"]["code"] for a in answers[1:]] == [-32601, -32600, -32602, -32000]
    assert (tmp_path / "notified.txt").read_text() == "n\n"


def test_batch_of_notifications_only_is_204(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    note = {"jsonrpc": "2.0", "method": "note", "params": ["x"]}
    assert call([note, note])[0] == 204
    assert (tmp_path / "notified.txt").read_text() == "x\nx\n"


def test_empty_batch_is_one_invalid_request():
    status, _, body = call([])
    assert status == 200 and body["error"]["code"] == -32600 and body["id"] is None


def test_a_batch_is_answered_with_an_array_and_a_single_call_with_an_object():
    assert call([rpc("add", [1, 1])])[2] == [{"jsonrpc": "2.0", "id": 1, "result": 2}]
    assert call(rpc("add", [1, 1]))[2] == {"jsonrpc": "2.0", "id": 1, "result": 2}


def test_a_batch_too_long_is_refused_whole_by_http_status():
    status, _, body = call([rpc("add", [1, 1], i) for i in range(4)], proxy=proxyapp.small)
    assert status == 413 and body["error"]["code"] == -32600 and body["id"] is None


# -- the examples of the JSON-RPC 2.0 specification, section 7, answered as it shows ----------

SPEC = Proxy({
    "subtract": lambda minuend, subtrahend: minuend - subtrahend,
    "sum": lambda *numbers: sum(numbers),
    "update": lambda *numbers: None,
    "notify_hello": lambda n: None,
    "notify_sum": lambda *numbers: None,
    "get_data": lambda: ["hello", 5],
}, title="spec")


def spec_call(payload=None, raw=None):
    status, _, body = call(payload, raw=raw, proxy=SPEC)
    return status, body


def codes(body):
    """A batch answer without the messages (which the specification leaves to the server)."""
    return [{**a, "error": a["error"]["code"]} if "error" in a else a for a in body]


def test_spec_calls_with_positional_and_named_parameters():
    assert spec_call(rpc("subtract", [42, 23], 1)) == (200, {"jsonrpc": "2.0", "result": 19, "id": 1})
    assert spec_call(rpc("subtract", [23, 42], 2))[1]["result"] == -19
    assert spec_call(rpc("subtract", {"subtrahend": 23, "minuend": 42}, 3))[1]["result"] == 19
    assert spec_call(rpc("subtract", {"minuend": 42, "subtrahend": 23}, 4))[1]["result"] == 19


def test_spec_notifications_and_a_missing_method():
    assert spec_call({"jsonrpc": "2.0", "method": "update", "params": [1, 2, 3, 4, 5]}) == (204, None)
    assert spec_call({"jsonrpc": "2.0", "method": "foobar"}) == (204, None)
    status, body = spec_call(rpc("foobar", None, "1"))
    assert status == 200 and body["error"]["code"] == -32601 and body["id"] == "1"


@pytest.mark.parametrize("raw, code", [
    (b'{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]', -32700),
    (b'{"jsonrpc": "2.0", "method": 1, "params": "bar"}', -32600),
    (b'[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method"]',
     -32700),
    (b"[]", -32600),
])
def test_spec_errors_answered_with_one_object(raw, code):
    status, body = spec_call(raw=raw)
    assert status == 200 and body["jsonrpc"] == "2.0" and body["id"] is None
    assert body["error"]["code"] == code and isinstance(body["error"]["message"], str)


@pytest.mark.parametrize("raw, length", [(b"[1]", 1), (b"[1,2,3]", 3)])
def test_spec_batches_of_invalid_entries_answer_each(raw, length):
    status, body = spec_call(raw=raw)
    assert status == 200 and codes(body) == [{"jsonrpc": "2.0", "id": None, "error": -32600}] * length


def test_spec_mixed_batch():
    status, body = spec_call([
        {"jsonrpc": "2.0", "method": "sum", "params": [1, 2, 4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"},
    ])
    assert status == 200 and codes(body) == [
        {"jsonrpc": "2.0", "result": 7, "id": "1"},
        {"jsonrpc": "2.0", "result": 19, "id": "2"},
        {"jsonrpc": "2.0", "error": -32600, "id": None},
        {"jsonrpc": "2.0", "error": -32601, "id": "5"},
        {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"},
    ]


def test_spec_batch_of_notifications_gets_no_body():
    assert spec_call([{"jsonrpc": "2.0", "method": "notify_sum", "params": [1, 2, 4]},
                      {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]) == (204, None)


# -- transport rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
def test_only_post(method):
    status, headers, body = call(rpc("add", [1, 1]), method=method)
    assert status == 405 and headers["Allow"] == "POST, OPTIONS"


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", ""])
def test_only_json(ctype):
    status, _, body = call(rpc("add", [1, 1]), content_type=ctype)
    assert status == 415 and body["error"]["code"] == -32600


@pytest.mark.parametrize("headers", [{}, {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}])
def test_the_custom_header_is_required(headers):
    status, _, body = call(rpc("add", [1, 1]), headers=headers)
    assert status == 403 and "X-Requested-With" in body["error"]["message"]


@pytest.mark.parametrize("extra, allowed", [
    ({"HTTP_ORIGIN": "http://box.local:8080"}, True),
    ({"HTTP_ORIGIN": "http://BOX.local:8080"}, True),
    ({"HTTP_ORIGIN": "http://evil.example"}, False),
    ({"HTTP_ORIGIN": "https://box.local:8080"}, False),
    ({"HTTP_ORIGIN": "http://box.local:8081"}, False),
    ({"HTTP_ORIGIN": "null"}, False),
    ({"HTTP_ORIGIN": "http://box.local:99999"}, False),
    ({"HTTP_SEC_FETCH_SITE": "same-origin"}, True),
    ({"HTTP_SEC_FETCH_SITE": "cross-site"}, False),
    ({"HTTP_SEC_FETCH_SITE": "same-site"}, False),
])
def test_cross_origin_calls_are_refused(extra, allowed):
    status = call(rpc("add", [1, 1]), headers={**HEADERS, **extra})[0]
    assert status == (200 if allowed else 403)


def test_body_and_batch_limits():
    status, _, body = call(rpc("echo", ["x" * 4000]), proxy=proxyapp.small)
    assert status == 413 and "2048" in body["error"]["message"]
    status, _, body = call([rpc("add", [1, 1], i) for i in range(4)], proxy=proxyapp.small)
    assert status == 413 and "3" in body["error"]["message"]
    assert call([rpc("add", [1, 1], i) for i in range(3)], proxy=proxyapp.small)[0] == 200


def test_deep_nesting():
    nested = 1
    for _ in range(9):
        nested = [nested]
    status, err = error_of(rpc("echo", [nested]), proxy=proxyapp.small)
    assert status == 200 and err["code"] == -32602 and "nested deeper" in err["message"]
    status, _, body = call(raw=b"[" * 200000 + b"]" * 200000)
    assert (status, body["error"]["code"]) in ((200, -32700), (413, -32600))
    # A hostile nesting within the size limits (fewer brackets than max_elements) is a parse
    # error, not a crash.
    status, _, body = call(raw=b"[" * 40000, proxy=proxyapp.proxy)
    assert status == 200 and body["error"]["code"] == -32700


# -- roles --------------------------------------------------------------------------------------

def test_roles_for_marked_methods():
    assert error_of(rpc("mine"))[1]["code"] == -32001
    as_bob = {"REMOTE_USER": "bob", "PWWW_ROLES": "viewer", "PWWW_SESSION": "s1"}
    assert call(rpc("mine"), environ=as_bob)[2]["result"] == "bob"
    assert error_of(rpc("admin_only"), environ=as_bob)[1]["code"] == -32003
    as_root = {"REMOTE_USER": "ann", "PWWW_ROLES": "admin,viewer"}
    assert call(rpc("admin_only"), environ=as_root)[2]["result"] == "granted"
    # A header a client sends is not the authorizer's variable.
    assert error_of(rpc("mine"), headers={**HEADERS, "HTTP_REMOTE_USER": "bob"})[1]["code"] == -32001


# -- introspection ------------------------------------------------------------------------------

def test_discover_is_an_openrpc_document():
    doc = call(rpc("rpc.discover"))[2]["result"]
    assert doc["openrpc"] == "1.2.6" and doc["info"]["title"] == "things"
    methods = {m["name"]: m for m in doc["methods"]}
    assert "_private" not in methods and "rpc.discover" not in methods
    add = methods["add"]
    assert add["description"] == "Add two integers."
    assert add["params"] == [{"name": "a", "required": True, "schema": {"type": "integer"}},
                             {"name": "b", "required": False, "schema": {"type": "integer"},
                              "x-default": 10}]
    assert add["paramStructure"] == "either" and add["result"]["schema"] == {"type": "integer"}
    assert methods["options"]["paramStructure"] == "by-name"
    assert [p.get("x-keyword-only", False) for p in methods["options"]["params"]] == [False, True, True]
    assert doc["info"]["x-max-batch"] == 100
    assert [p["name"] for p in methods["whoami"]["params"]] == []
    assert "x-roles" not in add and doc["info"]["x-batch-seconds"] == 5.0


def test_l8_discover_shows_a_caller_only_what_it_may_call():
    def names(environ=None):
        return {m["name"]: m for m in call(rpc("rpc.discover"), environ=environ)[2]["result"]["methods"]}
    anonymous = names()
    assert "mine" not in anonymous and "admin_only" not in anonymous and "add" in anonymous
    viewer = names({"REMOTE_USER": "bob", "PWWW_ROLES": "viewer"})
    assert "mine" in viewer and "admin_only" not in viewer
    admin = names({"REMOTE_USER": "ann", "PWWW_ROLES": "admin"})
    assert admin["admin_only"]["x-roles"] == ["admin"] and admin["mine"]["x-roles"] == []
    assert "admin_only" not in names()              # the admin's document is not everybody's


def test_l8_a_batch_stops_making_calls_when_its_time_is_spent():
    import time
    from pycopia_www.proxy import Proxy
    made = []

    def nap(n: int) -> int:
        made.append(n)
        time.sleep(0.1)
        return n
    proxy = Proxy({"nap": nap}, batch_seconds=0.25)
    batch = [rpc("nap", [n], n) for n in range(10)]
    batch.insert(5, {"jsonrpc": "2.0", "method": "nap", "params": [99]})    # a notification
    status, _, body = call(batch, proxy=proxy)
    answered = [r["result"] for r in body if "result" in r]
    late = [r for r in body if "error" in r]
    assert status == 200 and answered == made[:len(answered)] and 1 <= len(answered) < 10
    assert len(body) == 10 and [r["id"] for r in body] == list(range(10))
    assert {r["error"]["code"] for r in late} == {-32029} and made == answered   # 99 never ran
    assert "0.25 s" in late[0]["error"]["message"]


def test_the_form_csrf_check_leaves_refusals_to_the_proxy():
    """A form post to a proxy route is answered by the proxy (415, JSON), not the form CSRF check."""
    from pycopia_www.testing import Client
    client = Client.for_site(Path(__file__).resolve().parents[2] / "demo" / "etc" / "farm.toml", csrf=False)
    response = client.post("/api/demo", data={"method": "add"})
    assert response.status == 415 and response.json()["error"]["code"] == -32600


def test_a_method_that_no_json_rpc_call_could_reach_is_refused_at_once():
    from pycopia_www.proxy import Proxy

    def both(a, /, *, b):
        return a
    with pytest.raises(ValueError, match="positional-only and keyword-only"):
        Proxy([both])
