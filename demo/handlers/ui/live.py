"""The status panel's publisher: a timer in the ui backend publishes the system's status on topic
demo.status (pycopia_www.events), and the home page's panel shows each event as it comes
(its elements carry data-topic, /pwww/live.js does the rest; no polling, no JavaScript here).

Imported by the route module, so that periodic() is set up before the workers start: one of them
publishes, every second, or as often as the settings say, while a page is listening (the ui
backend lists demo.status in its wake_topics: the first listener starts it, it stays up while
one listens).
"""
import os
import time

from pycopia_www.events import periodic, publish

# handlers.ui.api and .settings are imported where used: every backend of the site imports this
# module (through ui's route module, for get_url), and only ui's workers ever call them.

TOPIC = "demo.status"
_last = 0.0


def status_fields() -> dict[str, str]:
    """The panel's fields as it shows them: the page's first render and every event agree."""
    from handlers.ui.api import system_status
    s = system_status()
    return {
        "hostname": s["hostname"],
        "uptime": format_duration(s["uptime"]),
        "load": " ".join(f"{x:.2f}" for x in s["load"]),
        "memory": f"{format_bytes(s['memory_available'])} of {format_bytes(s['memory_total'])}",
        "processes": str(s["processes"]),
        "publisher": str(os.getpid()),
        "updated": time.strftime("%H:%M:%S"),
    }


def format_duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    return f"{days} d {hours} h {minutes:02d} min" if days else f"{hours} h {minutes:02d} min"


def format_bytes(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def publish_status() -> None:
    from handlers.ui.settings import store
    global _last
    now = time.monotonic()
    if now - _last >= store.load().refresh_seconds - 0.05:
        _last = now
        publish(TOPIC, status_fields())


periodic(1.0, publish_status, name="status", backend="ui", topic=TOPIC)
