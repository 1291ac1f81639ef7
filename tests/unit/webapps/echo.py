"""Handlers that answer with the handler's name and the keyword arguments it received (typed),
so that tests can check what a URL resolves to."""
import datetime
import enum
import uuid


class Color(enum.Enum):
    red = "red"
    green = "green"


def _answer(name, /, **kwargs):
    return {"handler": f"{__name__}.{name}",
            "kwargs": {k: [type(v).__name__, repr(v)] for k, v in kwargs.items()}}


def echo(request, **kwargs):
    return _answer("echo", **kwargs)


def echo_int(request, i: int):
    return _answer("echo_int", i=i)


def echo_int_uid(request, uid: int):
    return _answer("echo_int_uid", uid=uid)


def echo_uuid(request, u: uuid.UUID):
    return _answer("echo_uuid", u=u)


def echo_date(request, d: datetime.date):
    return _answer("echo_date", d=d)


def echo_color(request, c: Color):
    return _answer("echo_color", c=c)


def echo_two(request, a, b: int):
    return _answer("echo_two", a=a, b=b)
