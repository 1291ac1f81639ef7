"""The privileged backend's proxy at /sys/api: what the system is doing, read from /proc."""
import os
import socket
from datetime import datetime, timedelta, timezone

from pycopia_www.proxy import Proxy


def _meminfo() -> dict[str, int]:
    values = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, _, rest = line.partition(":")
            values[key] = int(rest.split()[0]) * 1024
    return values


class SystemInfo:
    """Read-only facts about the box, for the live status panel."""

    def uptime(self) -> float:
        """Seconds since boot."""
        with open("/proc/uptime") as f:
            return float(f.read().split()[0])

    def hostname(self) -> str:
        return socket.gethostname()

    def status(self) -> dict:
        """Uptime, boot time (aware datetime), load averages, memory and process count."""
        up = self.uptime()
        memory = _meminfo()
        return {
            "hostname": self.hostname(),
            "uptime": up,
            "booted": datetime.now(timezone.utc) - timedelta(seconds=up),
            "load": list(os.getloadavg()),
            "memory_total": memory["MemTotal"],
            "memory_available": memory["MemAvailable"],
            "processes": sum(1 for name in os.listdir("/proc") if name.isdigit()),
        }


proxy = Proxy(SystemInfo(), title="sys")
