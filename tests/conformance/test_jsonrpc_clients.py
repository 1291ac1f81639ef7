"""Two maintained third-party JSON-RPC 2.0 clients call the demo's /api/demo through real
lighttpd, configured as their documentation says plus the two headers every proxy call carries:
PyPI's jsonrpcclient (it builds and parses messages; requests carries them, as its documentation
shows) and npm's jayson (its HTTP client, run by Node.js from tests/js/jayson_calls.js).
Single calls, named parameters, notifications, batches and every error code a client can meet."""
import json
import subprocess

import pytest
import requests
from jsonrpcclient import Error, Ok, notification, parse, parse_json, request

from outside_tools import TEST_JS, npm_package, program

API = "/api/demo"
HEADERS = {"X-Requested-With": "pycopia-www"}       # requests' json= sets the Content-Type


@pytest.fixture(scope="module")
def url(base_url) -> str:
    return base_url + API


def post(url, payload=None, *, data=None, headers=HEADERS):
    kwargs = {"json": payload} if data is None else {"data": data}
    if data is not None:
        headers = {**headers, "Content-Type": "application/json"}
    return requests.post(url, headers=headers, timeout=30, **kwargs)


def call(url, method, params=None):
    """One call the way jsonrpcclient's documentation makes it: the parsed Ok or Error."""
    answer = post(url, request(method, params=params))
    assert answer.status_code == 200, (answer.status_code, answer.text)
    return parse(answer.json())


@pytest.fixture
def restore_settings(url):
    """Notifications here save settings; put back what the other tests of the session see."""
    saved = call(url, "settings").result
    yield saved
    assert isinstance(call(url, "save_settings", saved), Ok)


# ----- jsonrpcclient (PyPI) ----------------------------------------------------------------------

def test_jsonrpcclient_positional_and_named_parameters(url):
    assert call(url, "add", (2, 3)).result == 5
    assert call(url, "greet", {"name": "Ann", "greeting": "Hi"}).result == "Hi, Ann!"
    answer = post(url, request("add", params=(1.5, 1), id="text id"))
    assert parse_json(answer.text) == Ok(2.5, "text id")


def test_jsonrpcclient_sees_typed_values_as_tagged_objects(url):
    now = call(url, "server_time").result["now"]
    assert set(now) == {"$type", "$value"} and now["$type"] == "datetime"


def test_jsonrpcclient_notification_runs_and_gets_no_body(url, restore_settings):
    answer = post(url, notification("save_settings", {"site_name": "Noted", "refresh_seconds": 9}))
    assert answer.status_code == 204 and answer.content == b""
    assert call(url, "settings").result["site_name"] == "Noted"
    # A notification that fails is not answered either.
    assert post(url, notification("fail", ("silent",))).status_code == 204


def test_jsonrpcclient_batch(url, restore_settings):
    calls = [request("add", params=(1, 2)), request("nothing"),
             notification("save_settings", {"site_name": "Batched", "refresh_seconds": 3}),
             request("echo", params=(["x", None],))]
    answer = post(url, calls)
    assert answer.status_code == 200 and isinstance(answer.json(), list)
    results = {r.id: r for r in parse(answer.json())}
    ids = [c["id"] for c in calls if "id" in c]
    assert sorted(results, key=ids.index) == ids                 # every call, no notification
    assert results[ids[0]] == Ok(3, ids[0])
    assert isinstance(results[ids[1]], Error) and results[ids[1]].code == -32601
    assert results[ids[2]] == Ok(["x", None], ids[2])
    assert call(url, "settings").result["site_name"] == "Batched"


def test_jsonrpcclient_batch_of_notifications_gets_no_body(url):
    answer = post(url, [notification("add", (1, 2)), notification("echo", ("x",))])
    assert answer.status_code == 204 and answer.content == b""


def test_jsonrpcclient_error_codes(url):
    raised = call(url, "fail", ("the disk is full",))
    assert isinstance(raised, Error) and raised.code == -32000
    assert raised.data == {"type": "ValueError", "message": "the disk is full"}
    assert call(url, "nothing").code == -32601
    for params in (("x", 1), (1, 2, 3), {"a": 1}):
        assert call(url, "add", params).code == -32602, params
    # What jsonrpcclient cannot build, sent by hand and read with its parser.
    for payload, code in [({"jsonrpc": "1.0", "method": "add", "id": 1}, -32600),
                          ({"jsonrpc": "2.0", "method": 5, "id": 1}, -32600),
                          ([], -32600)]:
        answer = post(url, payload)
        assert answer.status_code == 200 and parse(answer.json()).code == code, payload
    answer = post(url, data=b'{"jsonrpc": "2.0", "method": "add", "params": [1,')
    assert answer.status_code == 200 and parse(answer.json()) == Error(
        -32700, answer.json()["error"]["message"], None, None)
    assert [r.code for r in parse(post(url, [1, 2]).json())] == [-32600, -32600]


def test_jsonrpcclient_without_the_header_is_refused_by_http_status(url):
    answer = requests.post(url, json=request("add", params=(1, 1)), timeout=30)
    assert answer.status_code == 403
    refusal = parse(answer.json())
    assert refusal.code == -32600 and "X-Requested-With" in refusal.message


# ----- jayson (npm) -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jayson(demo_farm):
    """Run steps (see tests/js/jayson_calls.js) through jayson; a result per step."""
    node = program("node", "nodejs")
    npm_package("jayson")

    def run(*steps):
        proc = subprocess.run([node, str(TEST_JS / "jayson_calls.js"), str(demo_farm.port), API],
                              input=json.dumps(steps), capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)
    return run


def ok(result):
    assert result["error"] is None, result
    return result["response"]


def test_jayson_positional_and_named_parameters(jayson):
    add, greet, fixed = jayson({"call": "add", "params": [2, 3]},
                               {"call": "greet", "params": {"name": "Ann", "greeting": "Hi"}},
                               {"call": "add", "params": [1, 1], "id": 7})
    assert ok(add)["result"] == 5 and isinstance(ok(add)["id"], str)    # jayson's own ids
    assert ok(greet)["result"] == "Hi, Ann!"
    assert ok(fixed) == {"jsonrpc": "2.0", "id": 7, "result": 2}


def test_jayson_notification(jayson, restore_settings, url):
    note, failing = jayson(
        {"call": "save_settings", "params": {"site_name": "Jayson", "refresh_seconds": 4}, "id": None},
        {"call": "fail", "id": None})
    assert note == {"error": None, "response": None} and failing == note    # 204: nothing to read
    assert call(url, "settings").result["site_name"] == "Jayson"


def test_jayson_batch(jayson):
    (batch,) = jayson({"batch": [{"call": "add", "params": [1, 2], "id": 1},
                                 {"call": "echo", "params": ["note"], "id": None},
                                 {"call": "fail", "params": ["no"], "id": 2},
                                 {"call": "nothing", "id": 3}]})
    answers = {a["id"]: a for a in ok(batch)}
    assert sorted(answers) == [1, 2, 3]
    assert answers[1]["result"] == 3
    assert answers[2]["error"]["code"] == -32000 and answers[2]["error"]["data"]["type"] == "ValueError"
    assert answers[3]["error"]["code"] == -32601
    (quiet,) = jayson({"batch": [{"call": "add", "params": [1, 2], "id": None}]})
    assert quiet == {"error": None, "response": None}


def test_jayson_error_codes(jayson):
    raised, missing, bad_params, invalid, empty, refused = jayson(
        {"call": "fail", "params": ["the disk is full"]},
        {"call": "nothing"},
        {"call": "add", "params": {"a": 1}},
        {"raw": {"jsonrpc": "2.0", "method": 5, "id": 9}},
        {"batch": []},
        {"call": "add", "params": [1, 1], "bare": True})
    assert ok(raised)["error"] == {"code": -32000, "message": "ValueError: the disk is full",
                                   "data": {"type": "ValueError", "message": "the disk is full"}}
    assert ok(missing)["error"]["code"] == -32601
    assert ok(bad_params)["error"]["code"] == -32602
    assert ok(invalid)["error"]["code"] == -32600 and ok(invalid)["id"] == 9
    assert ok(empty)["error"]["code"] == -32600 and ok(empty)["id"] is None
    # A refused transport is an HTTP error to jayson, the reason in its message.
    assert refused["error"]["code"] == 403 and "X-Requested-With" in refused["error"]["message"]
