"""A small timer in a backend: call a function every few seconds in exactly one of its processes.

    from pycopia_www.events import periodic, publish
    periodic(1.0, lambda: publish("demo.status", status()), name="status", backend="ui")

Call it when the backend's route module is imported (in that module, or in one it imports). The
farm imports the route module in the backend's master before it forks the workers; each worker
of backend `backend` (its name in etc/backends.d) then starts a thread that waits for a lock file
in the backend's state directory, so one worker runs the function and another takes over when
that one exits (recycled, crashed, stopping). The master never runs it, nor does any other
backend (every backend imports every route module, for get_url). Outside the farm (tests,
scripts) nothing forks and nothing runs unless start() is called.

With topic=, the task is what feeds that topic and matters only while someone listens: it runs
only while the topic has subscribers, as the farm tells a backend that lists the topic in its
wake_topics (farm/hold.py); such a backend on demand is also started by the first subscriber and
kept running until the last has gone. In a backend that is not told (no wake_topics), it runs
always.
"""
import fcntl
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

from ..config.topics import check_name
from ..farm.hold import listened

log = logging.getLogger("pycopia_www.events")


@dataclass(frozen=True)
class Task:
    interval: float
    function: Callable[[], object]
    name: str
    backend: str
    topic: str | None = None

    def wanted(self) -> bool:
        return self.topic is None or listened(self.topic) is not False

    def run(self) -> None:
        fd = os.open(f".periodic-{self.name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)     # while another process of this backend runs it
        log.info("running %s every %gs in process %d", self.name, self.interval, os.getpid())
        due = time.monotonic()
        while True:
            try:
                if self.wanted():
                    self.function()
            except Exception:
                log.exception("periodic task %s failed", self.name)
            due += self.interval
            now = time.monotonic()
            if due < now:                   # late (a slow call, a stopped clock): skip, no burst
                due = now + self.interval
            time.sleep(due - now)


_tasks: list[Task] = []
_names: set[str] = set()


def periodic(interval: float, function: Callable[[], object], *, name: str, backend: str,
             topic: str | None = None) -> Task:
    """Run `function()` every `interval` seconds in one worker of `backend` (see above); with
    `topic`, only while that topic has subscribers."""
    if not interval > 0:
        raise ValueError(f"interval must be positive, not {interval!r}")
    if not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"{name!r}: the name of a periodic task is letters, digits, '-' and '_'")
    if name in _names:
        raise ValueError(f"a periodic task named {name!r} exists (imported twice?)")
    if not _tasks:
        os.register_at_fork(after_in_child=lambda: start())
    if topic is not None and (problem := check_name(topic)):
        raise ValueError(problem)
    task = Task(float(interval), function, name, backend, topic)
    _tasks.append(task)
    _names.add(name)
    return task


def start(backend: str | None = None) -> None:
    """Start the thread of every task of `backend` in this process; by default of the backend
    the farm started this process for (PYCOPIA_WWW_BACKEND is "host.name"). Done by itself after
    a fork."""
    if backend is None:
        backend = os.environ.get("PYCOPIA_WWW_BACKEND", "").rpartition(".")[2]
    for task in _tasks:
        if task.backend == backend:
            threading.Thread(target=task.run, name=f"periodic-{task.name}", daemon=True).start()
