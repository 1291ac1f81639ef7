"""A proxy for the protocol tests: typed values, request injection, roles, side effects."""
import enum
import os
from dataclasses import dataclass
from pathlib import Path

from pycopia_www.proxy import Proxy, RPCError, register_type
from pycopia_www.urls import route
from pycopia_www.web.identity import requires_login, requires_role


class Color(enum.Enum):
    RED = 1
    GREEN = "green"


@dataclass
class Point:
    x: float
    y: float


register_type(Color, "test.Color")
register_type(Point, "test.Point")
NOTES = Path("notified.txt")            # in the backend's state directory when run by the farm


class Things:
    def echo(self, value):
        return value

    def add(self, a: int, b: int = 10) -> int:
        """Add two integers."""
        return a + b

    def options(self, name: str, *, loud: bool = False, times: int = 1) -> str:
        return (name.upper() if loud else name) * times

    def note(self, text: str) -> None:
        """Append text to a file (the side effect of a notification)."""
        with NOTES.open("a") as f:
            f.write(text + "\n")

    def notes(self) -> list:
        return NOTES.read_text().splitlines() if NOTES.exists() else []

    def greet(self, request, name: str, greeting: str = "hi") -> str:
        """`request` before the remote parameters."""
        return f"{greeting} {name} at {request.path}"

    def whoami(self, request) -> dict:
        user = request.user
        return {"path": request.path, "user": user.name if user else None, "pid": os.getpid()}

    def fail(self, kind: str = "ValueError", message: str = "bad value"):
        raise {"ValueError": ValueError, "KeyError": KeyError, "OSError": OSError,
               "PermissionError": PermissionError, "LookupError": LookupError}[kind](message)

    def leak(self):
        raise RuntimeError(f"internal state: {Path('notified.txt').resolve()}")

    def custom_error(self):
        raise RPCError(4000, "custom", {"why": "because"})

    def unencodable(self):
        return object()

    @requires_login
    def mine(self, request) -> str:
        return request.user.name

    @requires_role("admin")
    def admin_only(self) -> str:
        return "granted"

    def _private(self):
        return "never"


# fail() raises these on purpose: their messages are for the caller (the tests read them).
PUBLIC = (ValueError, LookupError, OSError)
proxy = Proxy(Things(), title="things", public_errors=PUBLIC)
small = Proxy(Things(), title="small", max_body=2048, max_batch=3, max_depth=8, public_errors=PUBLIC)

routes = [
    route(r"^/rpc$", "proxyapp.proxy"),
    route(r"^/small$", "proxyapp.small"),
]
