"""A subscription request from its FastCGI parameters: topics, roles, Last-Event-ID, refusals."""
import pytest

from pycopia_www.config import EventSettings, TopicRule
from pycopia_www.events.requests import Refused, deadline, parse

SETTINGS = EventSettings(
    topics=(TopicRule("net.secret", frozenset({"admin"})), TopicRule("net.*", frozenset()),
            TopicRule("sys.*", frozenset({"admin", "ops"}))),
    replay=4, max_event=16384, max_streams=10, max_streams_per_client=3, max_streams_per_session=2,
    stream_buffer=65536, heartbeat=15.0, max_stream_age=600.0)


def params(query, **more):
    return {"REQUEST_METHOD": "GET", "QUERY_STRING": query, "REMOTE_ADDR": "10.1.2.3", **more}


def refused(p) -> tuple[int, str]:
    with pytest.raises(Refused) as info:
        parse(p, SETTINGS)
    return info.value.status, info.value.reason


def test_a_public_subscription():
    r = parse(params("topic=net.eth0&topic=net.eth0.*&topic=net.eth0&cachebust=1"), SETTINGS)
    assert r.subscriptions == ("net.eth0", "net.eth0.*") and r.client == "10.1.2.3"
    assert (r.user, r.session, r.last, r.ends) == (None, None, None, None)


def test_roles_come_from_the_authorizer():
    ann = {"REMOTE_USER": "ann", "PWWW_ROLES": "admin,ops", "PWWW_SESSION": "s1",
           "PWWW_SESSION_ENDS": "1900000000"}
    r = parse(params("topic=sys.reboot", **ann), SETTINGS)
    assert (r.user, r.session, r.ends) == ("ann", "s1", 1900000000.0)
    assert refused(params("topic=sys.reboot")) == (401, "login required")
    assert refused(params("topic=sys.reboot", REMOTE_USER="bob", PWWW_ROLES="admin"))[0] == 403
    assert refused(params("topic=net.*", REMOTE_USER="bob", PWWW_ROLES="ops"))[0] == 403   # covers net.secret


def test_a_host_without_users_believes_no_authorizer_variable():
    ann = {"REMOTE_USER": "ann", "PWWW_ROLES": "admin,ops", "PWWW_SESSION": "s1"}
    with pytest.raises(Refused) as info:
        parse(params("topic=sys.reboot", **ann), SETTINGS, anonymous=True)
    assert info.value.status == 401
    r = parse(params("topic=net.eth0", **ann), SETTINGS, anonymous=True)
    assert (r.user, r.session) == (None, None)


def test_last_event_id_from_the_header_or_the_query():
    assert parse(params("topic=net.a", HTTP_LAST_EVENT_ID="0badcafe-7"), SETTINGS).last == ("0badcafe", 7)
    assert parse(params("topic=net.a&last-event-id=0badcafe-8"), SETTINGS).last == ("0badcafe", 8)
    both = params("topic=net.a&last-event-id=0badcafe-8", HTTP_LAST_EVENT_ID="0badcafe-9")
    assert parse(both, SETTINGS).last == ("0badcafe", 9)            # the browser's reconnect wins
    for bad in ("garbage", "0badcafe-", "-1", "0badcafe-1; drop", "\u00e9"):
        assert parse(params("topic=net.a", HTTP_LAST_EVENT_ID=bad), SETTINGS).last is None


@pytest.mark.parametrize("p, status", [
    (params("topic=net.a", REQUEST_METHOD="POST"), 405),
    (params("topic=net.a", PATH_INFO="/more"), 404),
    (params(""), 400), (params("x=1"), 400),
    (params("topic=Net.A"), 400), (params("topic=net.*.x"), 400),
    (params("topic=other"), 404),
    (params("&".join(f"topic=net.t{i}" for i in range(100))), 400),
    (params("topic=" + "a" * 9000), 414),
])
def test_refusals(p, status):
    assert refused(p)[0] == status


def test_a_match_backend_takes_the_paths_its_regex_let_through():
    p = params("topic=net.a", PATH_INFO="/live/events")
    assert refused(p)[0] == 404
    assert parse(p, SETTINGS, at_prefix=False).subscriptions == ("net.a",)


def test_a_stream_ends_with_its_session_or_after_max_stream_age():
    r = parse(params("topic=net.a", PWWW_SESSION_ENDS="1000100"), SETTINGS)
    assert deadline(r, SETTINGS, now=1000000) == 1000100
    assert deadline(r, SETTINGS, now=999000) == 999600
    nobody = parse(params("topic=net.a", PWWW_SESSION_ENDS="soon"), SETTINGS)
    assert nobody.ends is None and deadline(nobody, SETTINGS, now=5) == 605
