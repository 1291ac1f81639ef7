"""js/proxy.js in headless Chromium against the demo proxy at /api/demo, through real lighttpd:
calls, automatic batching, named arguments, every typed value of docs/proxy.md, errors, timeouts,
registered types, and the request headers the server's safety rules require."""
import json

import pytest

API = "/api/demo"


def run(page, body: str, arg=None, options: str = "{}"):
    """Run `body` as an async function in the page, with `P` (the proxy.js module), `demo`
    (connected to /api/demo with `options`) and `arg` in scope; return what it returns."""
    return page.evaluate(f"""async (arg) => {{
        const P = await import("/pwww/proxy.js");
        const demo = await P.connect("{API}", {options});
        {body}
    }}""", arg)


def proxy_requests(page) -> list:
    """The POSTs the page sends to the demo proxy, collected as they happen."""
    seen = []
    page.on("request", lambda r: seen.append(r) if r.url.endswith(API) and r.method == "POST" else None)
    return seen


# ----- calls -----

def test_methods_come_from_rpc_discover_and_return_promises(blank):
    out = run(blank, """
        const p = demo.add(2, 3);
        return {isPromise: p instanceof Promise, sum: await p, methods: Object.keys(demo.$methods),
                own: Object.keys(demo).filter((k) => !k.startsWith("$")), doc: demo.add.description};
    """)
    assert out["isPromise"] and out["sum"] == 5
    assert {"echo", "add", "sleep", "fail", "greet"} <= set(out["own"])
    assert sorted(out["own"]) == sorted(out["methods"])        # one function per discovered method
    assert out["doc"] == "a + b."


def test_requests_carry_the_headers_the_server_requires(blank):
    seen = proxy_requests(blank)
    assert run(blank, "return await demo.echo('hi');") == "hi"
    assert len(seen) == 2                                        # rpc.discover, echo
    for request in seen:
        headers = request.all_headers()
        assert headers["x-requested-with"] == "pycopia-www"
        assert headers["content-type"] == "application/json"
    assert json.loads(seen[1].post_data) == {"jsonrpc": "2.0", "method": "echo", "params": ["hi"],
                                             "id": json.loads(seen[1].post_data)["id"]}


# ----- batching -----

def test_calls_in_the_same_tick_are_one_batch(blank):
    seen = proxy_requests(blank)
    sums = run(blank, "return await Promise.all([1, 2, 3, 4, 5].map((n) => demo.add(n, 10)));")
    assert sums == [11, 12, 13, 14, 15]
    assert len(seen) == 2                                        # rpc.discover + one batch
    batch = json.loads(seen[1].post_data)
    assert isinstance(batch, list) and [e["params"] for e in batch] == [[n, 10] for n in range(1, 6)]
    assert len({e["id"] for e in batch}) == 5
    answers = seen[1].response().json()                         # a bare array (JSON-RPC 2.0)
    assert isinstance(answers, list) and len(answers) == 5
    assert all(a["jsonrpc"] == "2.0" for a in answers)


def test_awaited_calls_go_one_by_one_as_single_objects(blank):
    seen = proxy_requests(blank)
    assert run(blank, "const a = await demo.add(1, 1); return a + await demo.add(a, 1);") == 5
    assert len(seen) == 3
    assert all(isinstance(json.loads(r.post_data), dict) for r in seen)


def test_a_batch_mixes_answers_and_errors_and_keeps_each_with_its_call(blank):
    seen = proxy_requests(blank)
    out = run(blank, """
        const settled = await Promise.allSettled([demo.add(1, 2), demo.fail("no"), demo.$call("nope"),
                                                  demo.echo("x")]);
        return settled.map((s) => s.status === "fulfilled" ? s.value : s.reason.type);
    """)
    assert out == [3, "ValueError", "MethodNotFound", "x"]
    assert len(seen) == 2


def test_max_batch_splits_a_large_tick(blank):
    seen = proxy_requests(blank)
    out = run(blank, "return await Promise.all([1, 2, 3, 4, 5].map((n) => demo.echo(n)));",
              options="{maxBatch: 2}")
    assert out == [1, 2, 3, 4, 5]
    assert [len(json.loads(r.post_data)) if r.post_data.startswith("[") else 1 for r in seen[1:]] == [2, 2, 1]


def test_batching_can_be_turned_off(blank):
    seen = proxy_requests(blank)
    out = run(blank, "return await Promise.all([demo.echo(1), demo.echo(2)]);", options="{batch: false}")
    assert out == [1, 2] and len(seen) == 3


def test_notification_gets_no_answer(blank):
    seen = proxy_requests(blank)
    out = run(blank, "return await demo.$notify('add', [1, 2]);")
    assert out is None
    body = json.loads(seen[1].post_data)
    assert "id" not in body and seen[1].response().status == 204


# ----- named arguments -----

def test_named_arguments_for_a_by_name_method(blank):
    seen = proxy_requests(blank)
    out = run(blank, """
        return [await demo.greet("Ann", {greeting: "Hi"}),
                await demo.greet({name: "Bob", punctuation: "?"}),
                await demo.greet("Cy"),
                demo.$methods.greet.paramStructure];
    """)
    assert out == ["Hi, Ann!", "Hello, Bob?", "Hello, Cy!", "by-name"]
    assert json.loads(seen[1].post_data)["params"] == {"name": "Ann", "greeting": "Hi"}


def test_a_plain_object_is_an_ordinary_argument_for_other_methods(blank):
    out = run(blank, "return [await demo.echo({greeting: 'x'}), demo.$methods.echo.paramStructure];")
    assert out == [{"greeting": "x"}, "either"]


def test_named_argument_mistakes(blank):
    out = run(blank, """
        const why = async (p) => { try { await p; return null; } catch (e) { return [e.type, e.code, e.message]; } };
        return [await why(demo.greet("a", "b")),                      // greeting is keyword-only
                await why(demo.greet("a", {name: "b"})),              // both ways
                await why(demo.greet({greeting: "Hi"})),              // the required one missing: the server says
                await why(demo.greet("a", {colour: "red"}))];         // an unknown name: the server says
    """)
    assert out[0][:2] == ["InvalidParams", -32602] and "at most 1" in out[0][2]
    assert out[1][:2] == ["InvalidParams", -32602] and "both" in out[1][2]
    assert out[2][:2] == ["InvalidParams", -32602] and "name" in out[2][2]
    assert out[3][:2] == ["InvalidParams", -32602] and "colour" in out[3][2]


# ----- typed values -----

# (label, JS expression for the value, Python type it must arrive as, JS check of the echo `r`
# against the sent value `v`)
TYPES = [
    ("datetime", "new Date(Date.UTC(2026, 10, 21, 10, 0, 0, 250))", "datetime",
     "r instanceof Date && r.getTime() === v.getTime()"),
    ("date", "new P.PlainDate(2026, 11, 21)", "date", "r instanceof P.PlainDate && r.equals(v)"),
    ("time", "new P.PlainTime(10, 5, 7, 250000, '+02:00')", "time",
     "r instanceof P.PlainTime && r.equals(v) && r.microsecond === 250000"),
    ("decimal", "new P.Decimal('1.10')", "Decimal", "r instanceof P.Decimal && r.value === '1.10'"),
    ("set", "new Set([1, 'a', 3])", "set", "r instanceof Set && r.size === 3 && [...v].every((x) => r.has(x))"),
    ("bytes", "new Uint8Array([0, 1, 127, 128, 254, 255])", "bytes",
     "r instanceof Uint8Array && r.length === v.length && r.every((b, i) => b === v[i])"),
    ("uuid", "P.UUID.random()", "UUID", "r instanceof P.UUID && r.equals(v)"),
    ("enum (not registered here)", "new P.EnumMember('Color', 'GREEN', 2)", "Color",
     "r instanceof P.EnumMember && r.className === 'Color' && r.name === 'GREEN' && r.value === 2"),
    ("bigint", "2n ** 64n + 1n", "int", "typeof r === 'bigint' && r === v"),
    ("negative bigint", "-(2n ** 60n)", "int", "r === v"),
    ("NaN", "NaN", "float", "Number.isNaN(r)"),
    ("Infinity", "Infinity", "float", "r === Infinity"),
    ("-Infinity", "-Infinity", "float", "r === -Infinity"),
    ("own $type key", "({$type: 'mine', $value: 1, other: [2]})", "dict",
     "Object.getPrototypeOf(r) === Object.prototype && r.$type === 'mine' && r.$value === 1 && r.other[0] === 2"),
    ("non-string keys", "new Map([[1, 'one'], [[2, 3], 'pair']])", "dict",
     "r instanceof Map && r.get(1) === 'one' && [...r.keys()][1].join() === '2,3'"),
    ("__proto__ key", "JSON.parse('{\"__proto__\": {\"polluted\": 1}}')", "dict",
     "Object.hasOwn(r, '__proto__') && r.polluted === undefined && ({}).polluted === undefined"),
    ("plain JSON", "({a: [1, 2.5, 'x', null, true], b: {c: {}}})", "dict",
     "JSON.stringify(r) === JSON.stringify(v)"),
]


@pytest.mark.parametrize("label,expr,pytype,check", TYPES, ids=[t[0] for t in TYPES])
def test_typed_value_round_trip(blank, label, expr, pytype, check):
    out = run(blank, f"""
        const v = {expr};
        const [r, seen] = await Promise.all([demo.echo(v), demo.python_type(v)]);
        return {{ok: {check}, seen}};
    """)
    assert out["seen"]["type"] == pytype, out
    assert out["ok"] is True, out


def test_python_receives_the_values_it_should(blank):
    out = run(blank, """
        const seen = async (v) => (await demo.python_type(v)).repr;
        return [await seen(new Date(Date.UTC(2026, 10, 21, 10, 0, 0, 250))),
                await seen(new P.PlainTime(23, 59, 58, 1, "Z")),
                await seen(new P.Decimal("-0.0001")),
                await seen(new Uint8Array([104, 105])),
                await seen(new Map([[[1, 2], "x"]])),
                await seen(2n ** 70n),
                await seen(new P.EnumMember("Color", "RED", 1))];
    """)
    assert out == ["datetime.datetime(2026, 11, 21, 10, 0, 0, 250000, tzinfo=datetime.timezone.utc)",
                   "datetime.time(23, 59, 58, 1, tzinfo=datetime.timezone.utc)",
                   "Decimal('-0.0001')", "b'hi'", "{(1, 2): 'x'}", str(2 ** 70), "<Color.RED: 1>"]


def test_python_values_arrive_typed(blank):
    out = run(blank, """
        const t = await demo.server_time();
        const s = await demo.status();
        return {now: t.now instanceof Date, skew: Math.abs(Date.now() - t.now.getTime()),
                booted: s.booted instanceof Date && s.booted.getTime() < Date.now()};
    """)
    assert out["now"] and out["booted"]
    assert out["skew"] < 60_000          # the same machine's clock: a wrong offset would be hours off


def test_small_bigints_come_back_as_numbers(blank):
    # Python has one int type; only ints beyond 2^53 - 1 travel as bigint.
    assert run(blank, "return typeof await demo.echo(5n);") == "number"


def test_registered_class_round_trip(blank):
    out = run(blank, """
        class Point { constructor(x, y) { this.x = x; this.y = y; } norm() { return Math.hypot(this.x, this.y); } }
        P.registerType("Point", Point, {encode: (p) => ({x: p.x, y: p.y}), decode: (s) => new Point(s.x, s.y)});
        const v = new Point(3, 4);
        const [r, seen] = await Promise.all([demo.echo([v, {p: v}]), demo.python_type(v)]);
        return {cls: r[0] instanceof Point && r[1].p instanceof Point, norm: r[0].norm(), seen};
    """)
    assert out == {"cls": True, "norm": 5, "seen": {"type": "Point", "repr": "Point(x=3, y=4)"}}


def test_registered_enum_round_trip(blank):
    out = run(blank, """
        class Color { constructor(name, value) { this.name = name; this.value = value; } }
        Color.RED = new Color("RED", 1); Color.GREEN = new Color("GREEN", 2);
        P.registerType("Color", Color, {enum: true, decode: (m) => Color[m.name]});
        return [await demo.echo(Color.GREEN) === Color.GREEN, (await demo.python_type(Color.RED)).repr];
    """)
    assert out == [True, "<Color.RED: 1>"]


def test_default_registered_encode_and_decode(blank):
    out = run(blank, """
        class Point { constructor(x, y) { this.x = x; this.y = y; } }
        P.registerType("Point", Point);
        const r = await demo.echo(new Point(1, 2));
        return [r instanceof Point, r.x, r.y];
    """)
    assert out == [True, 1, 2]


def test_registered_names_cannot_shadow_built_in_tags(blank):
    out = run(blank, "try { P.registerType('date', class {}); return 'registered'; } catch (e) { return e.message; }")
    assert "built-in" in out


def test_values_that_cannot_travel(blank):
    out = run(blank, """
        const why = async (p) => { try { await p; return null; } catch (e) { return [e.type, e.code]; } };
        class Secret {}
        class OnlyHere {}
        P.registerType("OnlyHere", OnlyHere);        // registered in JavaScript, not in Python
        const cyclic = {}; cyclic.self = cyclic;
        return [await why(demo.echo(new Secret())), await why(demo.echo(() => 1)),
                await why(demo.echo(cyclic)), await why(demo.echo(new Date(NaN))),
                await why(demo.echo(new OnlyHere())), await why(demo.echo(new P.EnumMember("Nope", "A", 1)))];
    """)
    assert out == [["EncodeError", None]] * 4 + [["InvalidParams", -32602]] * 2


# ----- errors -----

def test_a_python_exception_rejects_with_its_type_and_message(blank):
    out = run(blank, """
        try { await demo.fail("the disk is full"); return "resolved"; }
        catch (e) { return {proxyError: e instanceof P.ProxyError, error: e instanceof Error, name: e.name,
                            type: e.type, message: e.message, code: e.code, data: e.data, status: e.status}; }
    """)
    assert out == {"proxyError": True, "error": True, "name": "ProxyError", "type": "ValueError",
                   "message": "the disk is full", "code": -32000,
                   "data": {"type": "ValueError", "message": "the disk is full"}, "status": 200}


@pytest.mark.parametrize("call,type_,code,words", [
    ("demo.$call('no_such_method')", "MethodNotFound", -32601, "no_such_method"),
    ("demo.$call('_private')", "MethodNotFound", -32601, "_private"),
    ("demo.add(1)", "InvalidParams", -32602, "b"),
    ("demo.add(1, 2, 3)", "InvalidParams", -32602, "argument"),
    ("demo.add('one', 2)", "InvalidParams", -32602, "float"),
])
def test_protocol_errors_reject_with_their_code(blank, call, type_, code, words):
    out = run(blank, f"try {{ await {call}; return null; }} catch (e) {{ return [e.type, e.code, e.message]; }}")
    assert out[:2] == [type_, code] and words in out[2], out


def test_not_a_proxy_is_an_http_error(blank):
    out = run(blank, """
        try { await P.connect("/no/such/api"); return null; }
        catch (e) { return [e instanceof P.ProxyError, e.type, e.status]; }
    """)
    assert out == [True, "HTTPError", 404]


def test_a_refusal_rejects_every_call_of_the_request(blank):
    # The server refuses a batch longer than its limit (413) with one error for the whole request.
    out = run(blank, """
        const calls = Array.from({length: 101}, (_, i) => demo.echo(i));
        const settled = await Promise.allSettled(calls);
        return [...new Set(settled.map((s) => s.status + " " + s.reason?.status + " " + s.reason?.code))];
    """, options="{maxBatch: 1000}")
    assert out == ["rejected 413 -32600"]


# ----- timeouts -----

def test_per_call_timeout(blank):
    seen = []
    blank.on("requestfailed", lambda r: seen.append(r.failure) if r.url.endswith(API) else None)
    out = run(blank, """
        const start = performance.now();
        try { await demo.$with({timeout: 300}).sleep(3); return "resolved"; }
        catch (e) { return {type: e.type, code: e.code, waited: performance.now() - start,
                            proxyError: e instanceof P.ProxyError}; }
    """)
    assert out["type"] == "TimeoutError" and out["code"] is None and out["proxyError"]
    assert 300 <= out["waited"] < 3000        # gave up at the timeout, not when the server answered
    for _ in range(100):                      # the event reaches Python a moment after the page
        if seen:
            break
        blank.wait_for_timeout(50)
    assert seen, "the timed-out request was not aborted"       # AbortController cancelled the fetch


def test_default_timeout_from_connect_and_overriding_it(blank):
    out = run(blank, """
        const one = await demo.$with({timeout: 8000}).sleep(1.5);    // a longer per-call timeout wins
        try { await demo.sleep(3); return "resolved"; }
        catch (e) { return [one, e.type]; }
    """, options="{timeout: 1000}")   # room for rpc.discover itself (an adaptive pool may be growing)
    assert out == [1.5, "TimeoutError"]


def test_a_timeout_in_a_batch_rejects_only_its_own_call(blank):
    seen = proxy_requests(blank)
    out = run(blank, """
        const [quick, slow] = await Promise.allSettled([demo.add(1, 1), demo.$with({timeout: 300}).sleep(1)]);
        return [quick.value, slow.reason.type];
    """, options="{timeout: 10000}")
    assert out == [2, "TimeoutError"]
    assert len(seen) == 2                     # still one batch for both


def test_an_abort_signal_cancels_a_call(blank):
    out = run(blank, """
        const controller = new AbortController();
        const p = demo.$with({signal: controller.signal}).sleep(2);
        setTimeout(() => controller.abort(new Error("user left")), 100);
        try { await p; return null; } catch (e) { return [e.type, e.message]; }
    """)
    assert out == ["AbortError", "user left"]


def test_datetimes_with_offsets_naive_ones_and_early_years(blank):
    # What Python's isoformat() may send; the demo server's clock is in one zone, so decode directly.
    out = run(blank, """
        const dt = (text) => P.decodeValue({$type: "datetime", $value: text}).toISOString();
        return [dt("2026-11-21T12:00:00.250000+02:00"), dt("2026-11-21T10:00:00"),
                dt("2026-11-21T04:29:59.999999-05:30"), dt("0050-03-01T00:00:00+00:00"),
                P.encodeValue(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))),
                String(new P.PlainDate(50, 3, 1)), String(P.PlainTime.from("10:05:07.5+05:30"))];
    """)
    assert out == ["2026-11-21T10:00:00.250Z", "2026-11-21T10:00:00.000Z", "2026-11-21T09:59:59.999Z",
                   "0050-03-01T00:00:00.000Z", {"$type": "datetime", "$value": "2026-01-02T03:04:05.006Z"},
                   "0050-03-01", "10:05:07.500000+05:30"]


def test_malformed_tags_in_an_answer_are_decode_errors(blank):
    out = run(blank, """
        const bad = [{$type: "datetime", $value: "yesterday"}, {$type: "nope", $value: 1},
                     {$type: "set", $value: [], extra: 1}, {$type: "float", $value: "1e999"}];
        return bad.map((v) => { try { P.decodeValue(v); return "decoded"; } catch (e) { return e.name; } });
    """)
    assert out == ["TypeError"] * 4
