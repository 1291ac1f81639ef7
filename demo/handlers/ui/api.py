"""The demo's public proxy at /api/demo: no login needed. Called from the pages (js/) and tests."""
import dataclasses
import enum
import os
import time
from dataclasses import dataclass

from pycopia_www.proxy import Proxy
from pycopia_www.proxy.codec import register_type

from handlers.sys.api import SystemInfo
from handlers.ui.settings import ROLLBACK_SECONDS, store

MAX_SLEEP = 5.0


@register_type
@dataclass(frozen=True)
class Point:
    """An application class registered on both sides (js: registerType("Point", ...))."""
    x: float
    y: float


@register_type
class Color(enum.Enum):
    """A registered enum: members travel as {"$type": "enum", ...} naming "Color"."""
    RED = 1
    GREEN = 2


def system_status() -> dict:
    return {**SystemInfo().status(), "worker": os.getpid()}


class Demo:
    """Small methods that show what a proxy call can do."""

    def echo(self, value):
        """Return the argument unchanged: every typed value must survive the round trip."""
        return value

    def add(self, a: float, b: float) -> float:
        """a + b."""
        return a + b

    def sleep(self, seconds: float) -> float:
        """Wait, then return how long (at most 5 s): for trying timeouts."""
        seconds = min(max(seconds, 0.0), MAX_SLEEP)
        time.sleep(seconds)
        return seconds

    def fail(self, message: str = "this call fails on purpose"):
        """Raise ValueError(message): shows how a Python exception reaches the caller."""
        raise ValueError(message)

    def greet(self, name: str, *, greeting: str = "Hello", punctuation: str = "!") -> str:
        """A method with named (keyword-only) arguments."""
        return f"{greeting}, {name}{punctuation}"

    def server_time(self):
        """The server's clock (an aware datetime) and the time zone it is in."""
        from datetime import datetime
        now = datetime.now().astimezone()
        return {"now": now, "zone": now.tzname()}

    def python_type(self, value) -> dict:
        """What Python received: the value's type name and repr (checks the JavaScript encoding)."""
        return {"type": type(value).__qualname__, "repr": repr(value)}

    def status(self) -> dict:
        """The live status panel: the system's status plus the worker that answered."""
        return system_status()

    def settings(self) -> dict:
        """The saved settings (defaults for what was never saved)."""
        return dataclasses.asdict(store.load())

    def save_settings(self, *, site_name: str, refresh_seconds: int, motd: str = "") -> dict:
        """Check and save the settings for good (named arguments); ValueError says what is
        wrong (SettingsError: .errors by field)."""
        saved = store.save({"site_name": site_name, "refresh_seconds": refresh_seconds, "motd": motd})
        return dataclasses.asdict(saved)

    def apply_settings(self, *, site_name: str, refresh_seconds: int, motd: str = "",
                       rollback_after: float = ROLLBACK_SECONDS) -> dict:
        """Apply the settings on probation: they are undone after `rollback_after` seconds
        unless confirm_settings(token) comes first. Returns the token and the deadline."""
        pending = store.apply({"site_name": site_name, "refresh_seconds": refresh_seconds,
                               "motd": motd}, rollback_after=min(max(rollback_after, 1), 600))
        return {"token": pending.token, "deadline": pending.deadline, "seconds": pending.remaining}

    def confirm_settings(self, token: str) -> bool:
        """Keep the applied settings; False when it came too late (they are undone)."""
        return store.confirm(token)


# ValueError is what these methods raise for bad input, with a message written for the user.
demo = Proxy(Demo(), title="demo", public_errors=(ValueError,))
