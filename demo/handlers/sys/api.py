"""The privileged backend's proxy at /sys/api: what the system is doing, read from /proc."""
import os
import socket
from datetime import datetime, timedelta, timezone

from pycopia_www.proxy import Proxy
from pycopia_www.web.identity import requires_login

from handlers.sys.me import run_command


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

    @requires_login
    def run_as_me(self, request, command: str) -> dict:
        """Run one of a fixed menu of commands ("id", "home") as the logged-in user's system
        account: returncode, stdout, stderr, timed_out, truncated, uid, gid, groups."""
        return run_command(request.user.name, command)


# run_as_me's refusals are for the user: RunAsRefused is marked public, and ValueError names an
# unknown command. Anything else the methods raise is reported only as "failed".
proxy = Proxy(SystemInfo(), title="sys", public_errors=(ValueError,))
