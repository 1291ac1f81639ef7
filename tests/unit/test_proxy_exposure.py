"""What a proxy exposes and what its errors tell (L8): only the methods the exposed class itself
defines (inherited ones only when listed), and an exception's message only when its class is
marked public; everything else is a generic error, the details in the server's log."""
import threading
from collections import UserDict

import pytest

from pycopia_www.proxy import Proxy, public_error
from pycopia_www.proxy.methods import collect_methods
from test_proxy_server import call, error_of, rpc

SECRET = "/var/lib/pwww/state/db.sqlite: SELECT password FROM users"


class Helpers:
    def helper(self):
        return "inherited"


@public_error
class Refused(Exception):
    """Its message is meant for the caller."""


class Refused2(Refused):
    pass


class Target(Helpers):
    """A class with a mixin: the mixin's helper is not Target's own."""

    def __init__(self):
        self.callback = lambda: "an instance attribute"

    def own(self):
        return "own"

    @staticmethod
    def static():
        return "static"

    @classmethod
    def klass(cls):
        return cls.__name__

    @property
    def expensive(self):
        raise AssertionError("a property is never evaluated to find methods")

    def internal_failure(self):
        raise RuntimeError(SECRET)

    def refused(self):
        raise Refused2("not today")

    def bad_value(self):
        raise ValueError("the value is bad")

    def missing(self):
        raise KeyError(SECRET)


class Worker(threading.Thread):
    def status(self):
        return "idle"


class Settings(UserDict):
    def names(self):
        return sorted(self)


def test_l8_only_methods_defined_on_the_exposed_class_are_exposed():
    """Before the fix every public callable was exposed: a mixin's helpers, a Thread's
    start/join/run, a mapping's clear/update/pop, instance attributes; properties were evaluated."""
    assert set(collect_methods(Target())) == {"own", "static", "klass", "internal_failure",
                                               "refused", "bad_value", "missing"}
    assert set(collect_methods(Worker())) == {"status"}
    assert set(collect_methods(Settings(a=1))) == {"names"}
    proxy = Proxy(Target())
    for name in ("helper", "callback", "expensive"):
        assert error_of(rpc(name), proxy=proxy)[1]["code"] == -32601, name
    for name in ("clear", "update", "pop"):
        assert error_of(rpc(name), proxy=Proxy(Settings(a=1)))[1]["code"] == -32601, name
    assert call(rpc("own"), proxy=proxy)[2]["result"] == "own"
    assert call(rpc("klass"), proxy=proxy)[2]["result"] == "Target"


def test_l8_inherited_methods_are_exposed_when_listed():
    proxy = Proxy(Target(), inherited=("helper",))
    assert call(rpc("helper"), proxy=proxy)[2]["result"] == "inherited"
    settings = Proxy(Settings(a=1), inherited=("get",))
    assert call(rpc("get", ["a"]), proxy=settings)[2]["result"] == 1
    assert error_of(rpc("clear"), proxy=settings)[1]["code"] == -32601
    with pytest.raises(ValueError, match="'nothing' is not a method"):
        Proxy(Target(), inherited=("nothing",))
    with pytest.raises(ValueError, match="'expensive' is not a method"):
        Proxy(Target(), inherited=("expensive",))


def test_l8_an_exception_not_marked_public_tells_the_caller_nothing(caplog):
    """Before the fix its type and message went to every caller: paths, SQL, internal state."""
    status, err = error_of(rpc("internal_failure"), proxy=Proxy(Target()))
    assert status == 200 and err["code"] == -32000 and "data" not in err
    assert SECRET not in str(err) and "RuntimeError" not in str(err)
    assert err["message"] == "internal_failure failed (the server's log says why)"
    assert SECRET in caplog.text                        # the operator still learns what happened
    err = error_of(rpc("missing"), proxy=Proxy(Target(), public_errors=(ValueError,)))[1]
    assert SECRET not in str(err)


def test_l8_public_exceptions_keep_their_type_and_message():
    proxy = Proxy(Target(), public_errors=(ValueError,))
    assert error_of(rpc("refused"), proxy=proxy)[1]["data"] == {"type": "Refused2",
                                                                "message": "not today"}
    assert error_of(rpc("bad_value"), proxy=proxy)[1]["data"] == {"type": "ValueError",
                                                                  "message": "the value is bad"}
    assert "data" not in error_of(rpc("bad_value"), proxy=Proxy(Target()))[1]


def test_l8_debug_mode_shows_everything():
    err = error_of(rpc("internal_failure"), proxy=Proxy(Target()), debug=True)[1]
    assert err["data"]["type"] == "RuntimeError" and err["data"]["message"] == SECRET
    assert "Traceback" in err["data"]["traceback"]
