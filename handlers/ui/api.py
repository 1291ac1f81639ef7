"""The demo's public proxy at /api/demo: no login needed. Called from the pages (js/) and tests."""
import time

from pycopia_www.proxy import Proxy

MAX_SLEEP = 5.0


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


demo = Proxy(Demo(), title="demo")
