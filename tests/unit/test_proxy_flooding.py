"""Hash flooding and other work bombs in a proxy call (M4): a body of at most max_body bytes costs
bounded work before any method runs, however it is built.

Python's hashes of ints, floats and tuples are not randomised: k * (2**61 - 1) all hash to 0, and
for any first element a tuple (a, b) can be given any hash by choosing b. A set or dict of such
keys costs quadratic time to build. CPU time is measured with time.process_time() around the
call: that is a bound on the work done (50 ms for a 1 MiB body, where the unbounded decoder spent
seconds), not a speed measurement; what the decoder does now costs a few milliseconds.
"""
import gc
import json
import time

import pytest

from pycopia_www.rpcwire import MAX_BODY, MAX_DIGITS, MAX_ELEMENTS, MAX_ITEMS
from test_proxy_server import call, rpc

P = 2 ** 61 - 1                     # sys.hash_info.modulus on 64-bit CPython
CPU_BOUND = 0.050
MASK = 2 ** 64 - 1
XXPRIME_1, XXPRIME_2, XXPRIME_5 = 11400714785074694791, 14029467366897019727, 2870177450012600261


def colliding_ints(count):
    return [k * P for k in range(count)]


def _rotl(x, n):
    return ((x << n) | (x >> (64 - n))) & MASK


def colliding_pairs(count, target=12345):
    """[a, b] pairs whose tuples all hash to `target` (CPython's tuple hash, xxHash-like, run
    backwards for the last element); b stays an int whose hash is itself."""
    pairs, a = [], 0
    inverse_1, inverse_2 = pow(XXPRIME_1, -1, 2 ** 64), pow(XXPRIME_2, -1, 2 ** 64)
    before_length = (target - (2 ^ (XXPRIME_5 ^ 3527539))) & MASK
    wanted = _rotl(before_length * inverse_1 & MASK, 64 - 31)
    while len(pairs) < count:
        a += 1
        acc = _rotl((XXPRIME_5 + a * XXPRIME_2) & MASK, 31) * XXPRIME_1 & MASK
        lane = (wanted - acc) * inverse_2 & MASK
        b = lane - 2 ** 64 if lane >= 2 ** 63 else lane
        if abs(b) < P and b != -1:
            pairs.append([a, b])
    return pairs


def fill(make_items, wrap):
    """The largest call of this shape within max_body: params [wrap(make_items(n))]."""
    def size(n):
        return len(json.dumps(rpc("echo", [wrap(make_items(n))])))
    low, high = 1, 2
    while size(high) <= MAX_BODY:         # grow first: never build much more than a body's worth
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if size(mid) <= MAX_BODY else (low, mid)
    return rpc("echo", [wrap(make_items(low))])


def cpu_of(payload):
    """CPU seconds this process spends on one call with `payload`. The objects that exist before
    it are frozen out of the garbage collector's way: collections triggered by the call's own
    allocations then cost what the call made, not what the rest of the test run left behind."""
    body = json.dumps(payload).encode()
    assert MAX_BODY - 16384 < len(body) <= MAX_BODY
    gc.collect()
    gc.freeze()
    try:
        start = time.process_time()
        status, _, answer = call(raw=body)
        return time.process_time() - start, status, answer
    finally:
        gc.unfreeze()


def test_the_generated_keys_really_collide():
    assert {hash(k) for k in colliding_ints(1000)} == {0}
    assert len({hash(tuple(p)) for p in colliding_pairs(200)}) == 1


def tagged(kind):
    return lambda items: {"$type": kind, "$value": items}


def as_dict(items):
    return {"$type": "dict", "$value": [[k, 0] for k in items]}


@pytest.mark.parametrize("shape", [
    ("one set of colliding ints", colliding_ints, tagged("set")),
    ("one frozenset of colliding pairs", colliding_pairs, tagged("frozenset")),
    ("one dict of colliding int keys", colliding_ints, as_dict),
    ("many small sets of colliding ints",
     lambda n: [colliding_ints(300) for _ in range(n)], lambda sets: [tagged("set")(s) for s in sets]),
    ("many small sets of colliding pairs",
     lambda n: [colliding_pairs(300) for _ in range(n)], lambda sets: [tagged("set")(s) for s in sets]),
], ids=lambda shape: shape[0])
def test_m4_a_colliding_1_mib_body_is_refused_within_50_ms_of_cpu(shape):
    _, make_items, wrap = shape
    cpu, status, answer = cpu_of(fill(make_items, wrap))
    assert "error" in answer and status in (200, 413), answer
    assert cpu < CPU_BOUND, f"{cpu * 1000:.0f} ms of CPU for one call"


@pytest.mark.parametrize("shape", [
    ("a long flat array", lambda n: [1] * n, lambda items: items),
    ("many tiny arrays", lambda n: [[1]] * n, lambda items: items),
    ("many one-member objects", lambda n: [{"a": 1}] * n, lambda items: items),
], ids=lambda shape: shape[0])
def test_m4_a_1_mib_body_of_many_elements_is_refused_within_50_ms_of_cpu(shape):
    _, make_items, wrap = shape
    cpu, status, answer = cpu_of(fill(make_items, wrap))
    assert status == 413 and answer["error"]["code"] == -32600, answer
    assert "members" in answer["error"]["message"] or "arrays and objects" in answer["error"]["message"]
    assert cpu < CPU_BOUND, f"{cpu * 1000:.0f} ms of CPU for one call"


def test_m4_limits_name_what_was_too_big():
    status, _, answer = call(rpc("echo", [list(range(MAX_ITEMS + 1))]))
    assert status == 413 and f"at most {MAX_ITEMS}" in answer["error"]["message"]
    many = [list(range(1000)) for _ in range(MAX_ELEMENTS // 1000 + 1)]
    status, _, answer = call(rpc("echo", many))
    assert status == 413 and f"at most {MAX_ELEMENTS}" in answer["error"]["message"]
    status, _, answer = call(rpc("echo", [[[]] * (MAX_ELEMENTS // 2)] * 2))     # counted unparsed
    assert status == 413 and f"more than {MAX_ELEMENTS} arrays and objects" in answer["error"]["message"]
    too_long = json.dumps(rpc("echo", [0])).replace("[0]", "[" + "9" * (MAX_DIGITS + 1) + "]")
    error = call(raw=too_long.encode())[2]["error"]
    assert error["code"] == -32602 and "more than 1300 digits" in error["message"]
    big = {"$type": "bigint", "$value": "9" * (MAX_DIGITS + 1)}
    assert "digits" in call(rpc("echo", [big]))[2]["error"]["message"]
    dec = {"$type": "decimal", "$value": "1" * (MAX_DIGITS + 9)}
    assert call(rpc("echo", [dec]))[2]["error"]["code"] == -32602
    status, _, answer = call(rpc("echo", [tagged("set")(colliding_ints(50))]))
    assert answer["error"]["code"] == -32602 and "same hash" in answer["error"]["message"]


def test_m4_ordinary_sets_dicts_and_big_numbers_still_travel():
    items = list(range(-5000, 5000))
    assert call(rpc("echo", [tagged("set")(items)]))[2]["result"]["$type"] == "set"
    pairs = [[[i, -i], i] for i in range(3000)]
    assert len(call(rpc("echo", [{"$type": "dict", "$value": pairs}]))[2]["result"]["$value"]) == 3000
    assert call(rpc("echo", [tagged("set")(colliding_ints(8))]))[2]["result"]["$type"] == "set"
    big = {"$type": "bigint", "$value": str(2 ** 4096)}
    assert call(rpc("echo", [big]))[2]["result"] == big
    assert call(rpc("echo", [list(range(MAX_ITEMS))]))[2]["result"][-1] == MAX_ITEMS - 1
