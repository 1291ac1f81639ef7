"""The database JSON API (DatabaseProxy) on the test inventory, in process, against SQLite and a
real PostgreSQL server: reading, the filter language, paging and sorting, typed values, writes
through the ORM and through Core, permissions, hidden tables and columns, and the errors bad
input gets."""
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from datasite import ADMIN, IDENT, USER, Caller, write_site
from pycopia_www.testing import Client


@pytest.fixture
def call(database, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url, password = database
    client = Client.for_backend(write_site(tmp_path, url, password), IDENT)
    return Caller(client)


@pytest.fixture
def inventory(call):
    """Two groups and 25 hosts: web01..web20 (odd ones disabled) in "lab", db01..db05 in "office"."""
    lab = call("create", "groups", {"name": "lab"})["id"]
    office = call("create", "groups", {"name": "office"})["id"]
    for i in range(1, 21):
        call("create", "hosts", {"name": f"web{i:02d}", "address": f"10.0.0.{i}", "group_id": lab,
                                 "enabled": i % 2 == 0, "cost": Decimal(f"{i}.50")})
    for i in range(1, 6):
        call("create", "hosts", {"name": f"db{i:02d}", "group_id": office, "kind": "server"})
    return {"lab": lab, "office": office}


def names(page) -> list[str]:
    return [row["name"] for row in page["rows"]]


# ----- reading ------------------------------------------------------------------------------

def test_tables_lists_what_the_user_may_read_and_never_a_hidden_table(call):
    assert call("tables", as_=None) == ["groups", "hosts"]         # events needs a login
    assert call("tables", as_=USER) == ["groups", "hosts", "events"]
    assert "audit" not in call("tables")


def test_describe_columns(call):
    d = call("describe", "hosts", as_=None)
    assert d["primary_key"] == ["id"] and d["label"] == "name"
    cols = {c["name"]: c for c in d["columns"]}
    assert "secret" not in cols                                    # hidden
    assert cols["name"]["type"] == "string" and cols["name"]["max_length"] == 63
    assert cols["name"]["nullable"] is False and cols["address"]["nullable"] is True
    assert cols["enabled"]["type"] == "boolean" and cols["enabled"]["default"] is True
    assert cols["group_id"]["foreign_key"] == {"table": "groups", "column": "id"}
    assert cols["kind"]["type"] == "enum" and cols["kind"]["choices"] == ["server", "switch", "printer"]
    assert cols["cost"]["type"] == "decimal" and cols["serial"]["type"] == "uuid"
    assert cols["created"]["read_only"] is True and cols["id"]["primary_key"] is True
    assert "like" in cols["name"]["operators"] and "like" not in cols["enabled"]["operators"]
    assert d["may"] == {"create": False, "update": False, "delete": False}
    assert call("describe", "hosts")["may"] == {"create": True, "update": True, "delete": True}


def test_query_pages_with_total_and_stable_order(call, inventory):
    page = call("query", "hosts", None, None, "name", 0, 10)
    assert page["total"] == 25 and len(page["rows"]) == 10 and page["offset"] == 0
    assert names(page)[:3] == ["db01", "db02", "db03"]
    seen = []
    for offset in range(0, 25, 10):
        seen += names(call("query", table="hosts", order_by=["-name"], offset=offset, limit=10))
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 25
    # Equal sort values: the primary key breaks the tie, so pages never overlap.
    by_enabled = [r["id"] for o in (0, 7, 14, 21)
                  for r in call("query", table="hosts", order_by=["enabled"], offset=o, limit=7)["rows"]]
    assert len(set(by_enabled)) == 25


def test_filter_language(call, inventory):
    def q(where, **kw):
        return names(call("query", table="hosts", where=where, order_by="name", limit=100, **kw))
    assert q({"name": {"like": "web1%"}}) == [f"web{i}" for i in range(10, 20)]
    assert q({"name": {"ilike": "DB%"}, "enabled": True}) == [f"db{i:02d}" for i in range(1, 6)]
    assert len(q({"enabled": False})) == 10
    assert q({"cost": {"ge": Decimal("19"), "lt": 21}}) == ["web19", "web20"]
    assert q({"name": {"in": ["web01", "db02", "nothing"]}}) == ["db02", "web01"]
    assert len(q({"group_id": {"not_in": [inventory["lab"]]}})) == 5
    assert len(q({"address": None})) == 5 and len(q({"address": {"is_null": False}})) == 20
    assert q({"or": [{"name": "web03"}, {"and": [{"group_id": inventory["office"]},
                                                   {"name": {"gt": "db03"}}]}]}) == ["db04", "db05", "web03"]
    assert len(q({"not": {"name": {"like": "web%"}}})) == 5
    assert q({"kind": "server", "name": {"ne": "db01"}, "group_id": inventory["office"]})[0] == "db02"
    # Quotes and SQL in values are values: nothing is interpolated.
    assert q({"name": "x' OR '1'='1"}) == [] and q({"name": {"like": "%'; DROP TABLE hosts; --"}}) == []
    assert call("query", "hosts")["total"] == 25


def test_columns_choose_what_comes_back_and_the_key_always_does(call, inventory):
    row = call("query", "hosts", {"name": "web02"}, ["name", "enabled"])["rows"][0]
    assert set(row) == {"id", "name", "enabled"}


def test_get_and_choices(call, inventory):
    host = call("query", "hosts", {"name": "web02"})["rows"][0]
    assert call("get", "hosts", host["id"], as_=None)["name"] == "web02"
    assert call("get", "hosts", {"id": host["id"]})["name"] == "web02"
    assert call("choices", "hosts", "group_id", as_=None) == [
        {"value": inventory["lab"], "label": "lab"}, {"value": inventory["office"], "label": "office"}]
    assert call("choices", "hosts", "group_id", "OFF") == [{"value": inventory["office"], "label": "office"}]
    assert call("choices", "hosts", "group_id", "%") == []       # a search, not a pattern
    assert [c["value"] for c in call("choices", "hosts", "kind")] == ["server", "switch", "printer"]


# ----- typed values -------------------------------------------------------------------------

def test_values_survive_the_trip(call, inventory):
    serial = uuid.uuid4()
    made = call("create", "hosts", {"name": "typed", "cost": Decimal("1234.56"), "serial": serial,
                                    "bought": date(2024, 2, 29), "kind": "printer"})
    got = call("get", "hosts", made["id"])
    assert got["cost"] == Decimal("1234.56") and got["serial"] == serial
    assert got["bought"] == date(2024, 2, 29) and got["kind"].name == "printer"
    assert isinstance(got["created"], datetime) and got["created"].tzinfo is None      # naive UTC
    assert abs(got["created"] - datetime.now(timezone.utc).replace(tzinfo=None)) < timedelta(minutes=5)
    assert call("query", "hosts", {"serial": serial})["total"] == 1
    assert call("query", "hosts", {"bought": {"gt": date(2024, 1, 1)}})["total"] == 1


def test_core_table_with_time_zones(call, inventory):
    host = call("query", "hosts", {"name": "web01"})["rows"][0]["id"]
    at = datetime(2025, 6, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    event = call("create", "events", {"host_id": host, "message": "rebooted", "at": at}, as_=USER)
    assert event["message"] == "rebooted" and event["at"] == at                # the same instant
    changed = call("update", "events", event["id"], {"message": "rebooted twice"})
    assert changed["message"] == "rebooted twice" and changed["at"] == at
    problem = call.error("create", "events", {"host_id": host, "message": "x", "at": datetime(2025, 1, 1)}, as_=USER)
    assert problem["data"]["column"] == "at" and "time zone" in problem["message"]
    assert call("delete", "events", event["id"]) is True
    assert call.error("get", "events", event["id"])["code"] == -32004


# ----- writing ------------------------------------------------------------------------------

def test_create_update_delete(call, inventory):
    made = call("create", "hosts", {"name": "new1", "group_id": inventory["lab"]})
    assert made["enabled"] is True and made["kind"].name == "server" and "secret" not in made
    changed = call("update", "hosts", made["id"], {"address": "192.0.2.7", "enabled": False})
    assert changed["address"] == "192.0.2.7" and changed["enabled"] is False
    assert call("get", "hosts", made["id"])["address"] == "192.0.2.7"
    assert call("delete", "hosts", made["id"]) is True
    assert call.error("get", "hosts", made["id"])["code"] == -32004
    assert call.error("delete", "hosts", made["id"])["code"] == -32004
    assert call.error("update", "hosts", 99999, {"address": "x"})["data"]["type"] == "NotFound"


def test_integrity_errors_are_conflicts_and_change_nothing(call, inventory):
    error = call.error("create", "hosts", {"name": "web01"})
    assert error["code"] == -32009 and error["data"]["type"] == "Conflict"
    assert "INSERT" not in error["message"]                        # no SQL leaks out
    error = call.error("create", "hosts", {"name": "orphan", "group_id": 9999})
    assert error["code"] == -32009                                 # a foreign key, enforced
    host = call("query", "hosts", {"name": "web02"})["rows"][0]["id"]
    assert call.error("update", "hosts", host, {"name": "web03"})["code"] == -32009
    assert call("get", "hosts", host)["name"] == "web02" and call("query", "hosts")["total"] == 25


def test_a_batch_keeps_the_calls_that_worked(call, inventory):
    """Each call runs in its own savepoint: the failing one undoes only itself."""
    answers = call.batch(("create", "groups", {"name": "first"}),
                         ("create", "groups", {"name": "lab"}),               # a duplicate
                         ("create", "groups", {"name": "third"}))
    assert "result" in answers[0] and answers[1]["error"]["code"] == -32009 and "result" in answers[2]
    assert [c["label"] for c in call("choices", "hosts", "group_id")] == ["first", "lab", "office", "third"]


def test_read_only_and_key_columns_are_not_written(call, inventory):
    host = call("query", "hosts", {"name": "web02"})["rows"][0]["id"]
    error = call.error("update", "hosts", host, {"created": datetime(2000, 1, 1)})
    assert error["data"]["column"] == "created" and "read-only" in error["message"]
    assert "primary key" in call.error("update", "hosts", host, {"id": 5})["message"]
    assert call.error("create", "hosts", {"name": "s", "secret": "x"})["data"]["column"] == "secret"


# ----- permissions --------------------------------------------------------------------------

def test_anonymous_and_plain_users_cannot_write_and_nothing_is_written(call, inventory):
    error = call.error("create", "hosts", {"name": "sneaky"}, as_=None)
    assert error["code"] == -32001 and error["data"]["type"] == "LoginRequired"
    error = call.error("create", "hosts", {"name": "sneaky"}, as_=USER)
    assert error["code"] == -32003 and error["data"]["operation"] == "create"
    host = call("query", "hosts", {"name": "web02"})["rows"][0]["id"]
    assert call.error("delete", "hosts", host, as_=USER)["code"] == -32003
    assert call("query", "hosts", {"name": "sneaky"})["total"] == 0 and call("get", "hosts", host)
    assert call.error("query", "events", as_=None)["code"] == -32001


def test_a_callable_rule(call, inventory):
    host = call("query", "hosts", {"name": "web01"})["rows"][0]["id"]
    event = call("create", "events", {"host_id": host, "message": "m"}, as_=USER)
    assert call.error("delete", "events", event["id"], as_=USER)["code"] == -32003
    assert call("delete", "events", event["id"], as_=ADMIN) is True


def test_a_hidden_table_does_not_exist_for_clients(call):
    for method, params in (("describe", ["audit"]), ("query", ["audit"]), ("get", ["audit", 1]),
                           ("create", ["audit", {"what": "x"}])):
        error = call.error(method, *params)
        assert error["code"] == -32602 and error["message"] == "no table 'audit'"


# ----- bad input ----------------------------------------------------------------------------

BAD = [
    (("query", "nosuch"), {"table": "nosuch"}, "no table"),
    (("query", "hosts", {"nosuch": 1}), {"column": "nosuch"}, "no column"),
    (("query", "hosts", {"secret": "hunter2"}), {"column": "secret"}, "no column"),     # hidden
    (("query", "hosts", {"name": {"regex": "x"}}), {"operator": "regex"}, "unknown operator"),
    (("query", "hosts", {"enabled": {"like": "t%"}}), {"operator": "like"}, "does not apply"),
    (("query", "hosts", {"enabled": "yes"}), {"column": "enabled", "value": "'yes'"}, "not a boolean"),
    (("query", "hosts", {"id": "1; DROP TABLE hosts"}), {"column": "id"}, "not an integer"),
    (("query", "hosts", {"id": {"in": 5}}), {"operator": "in"}, "takes a list"),
    (("query", "hosts", {"kind": "mainframe"}), {"column": "kind"}, "not one of"),
    (("query", "hosts", {"serial": "not-a-uuid"}), {"column": "serial"}, "not a UUID"),
    (("query", "hosts", {"or": []}), {"operator": "or"}, "non-empty list"),
    (("query", "hosts", None, None, "secret"), {"column": "secret"}, "no column"),
    (("query", "hosts", None, None, None, 0, 501), {"value": "501"}, "limit is 1 to 500"),
    (("query", "hosts", None, None, None, -1), {"value": "-1"}, "offset"),
    (("query", "hosts", "name = 'x'"), {}, "a filter is an object"),
    (("create", "hosts", {"address": "x"}), {"column": "name"}, "needs name"),
    (("create", "hosts", {"name": "x" * 64}), {"column": "name"}, "longer than 63"),
    (("create", "hosts", {"name": "a\x00b"}), {"column": "name"}, "NUL"),
    (("create", "hosts", {"name": None}), {"column": "name"}, "may not be null"),
    (("get", "hosts", None), {"column": "id"}, "never null"),
    (("get", "hosts", [1, 2]), {"table": "hosts"}, "part(s)"),
    (("choices", "hosts", "name"), {"column": "name"}, "no choices"),
]


@pytest.mark.parametrize("params,details,words", BAD, ids=[b[2] for b in BAD])
def test_bad_input_is_an_invalid_params_error_naming_what_is_wrong(call, params, details, words):
    error = call.error(*params)
    assert error["code"] == -32602 and error["data"]["type"] == "InvalidQuery", error
    assert words in error["message"], error
    for key, value in details.items():
        assert error["data"][key] == value, error


def test_filter_limits(call):
    deep = {"name": "x"}
    for _ in range(9):
        deep = {"not": deep}
    assert "nests deeper than 8" in call.error("query", "hosts", deep)["message"]
    wide = {"or": [{"name": f"n{i}"} for i in range(65)]}
    assert "more than 64 conditions" in call.error("query", "hosts", wide)["message"]
    assert "at most 500 values" in call.error("query", "hosts", {"id": {"in": list(range(501))}})["message"]
    assert "longer than 200" in call.error("query", "hosts", {"name": {"like": "%" * 201}})["message"]
