"""The demo's public proxy at /api/demo: no login needed. Called from the pages (js/) and tests."""
import enum
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from pycopia_www.proxy import Proxy
from pycopia_www.proxy.codec import register_type

from handlers.sys.api import SystemInfo

MAX_SLEEP = 5.0
SETTINGS = Path("settings.json")    # in this backend's private state directory (its working directory)
DEFAULT_SETTINGS = {"site_name": "pycopia-www appliance", "refresh_seconds": 1, "motd": ""}


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


def load_settings() -> dict:
    try:
        saved = json.loads(SETTINGS.read_text())
    except (FileNotFoundError, ValueError):
        saved = {}
    return {**DEFAULT_SETTINGS, **saved}


def store_settings(site_name: str, refresh_seconds: int, motd: str) -> dict:
    """Check and save the settings (shared by the proxy and the page's no-script form post)."""
    site_name, motd = site_name.strip(), motd.strip()
    if not 1 <= len(site_name) <= 60:
        raise ValueError("The site name has 1 to 60 characters.")
    if not 1 <= refresh_seconds <= 3600:
        raise ValueError("Refresh every 1 to 3600 seconds.")
    if len(motd) > 200:
        raise ValueError("The message of the day has at most 200 characters.")
    settings = {"site_name": site_name, "refresh_seconds": refresh_seconds, "motd": motd}
    tmp = SETTINGS.with_suffix(".tmp")
    tmp.write_text(json.dumps(settings))
    tmp.replace(SETTINGS)          # atomic: a reader never sees half a file
    return settings


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
        """The system's status plus the worker that answered (the home page's panel is pushed
        instead: handlers/ui/live.py)."""
        return system_status()

    def settings(self) -> dict:
        """The saved settings (defaults for what was never saved)."""
        return load_settings()

    def save_settings(self, *, site_name: str, refresh_seconds: int, motd: str = "") -> dict:
        """Check and save the settings (named arguments); ValueError says what is wrong."""
        return store_settings(site_name, refresh_seconds, motd)


demo = Proxy(Demo(), title="demo")
