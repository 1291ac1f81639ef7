"""Log files that cannot fill a flash disk: each is capped at a size, then rotated.

The supervisor writes every log of the farm through one of these: each backend's output,
lighttpd's error log (its stderr) and its access log (a pipe lighttpd writes to), and its own.
When a write would take a file past `max_size`, NAME becomes NAME.1 (NAME.1 becomes NAME.2, ...,
the oldest beyond `keep` is dropped) and a new NAME starts, so a log never takes more than
(keep + 1) * max_size bytes. `reopen` picks up a file that someone else rotated or removed.
"""
import logging
import os
from pathlib import Path

from ..config import LogSettings


log = logging.getLogger("pycopia_www.logfile")


class RotatingLog:
    def __init__(self, path: Path, settings: LogSettings):
        self.path = Path(path)
        self.settings = settings
        self._fd = -1
        self._size = 0
        self._failing = False
        self.opened = 0                 # how many times (re)opened: a rotation makes a new file
        self.reopen()

    def reopen(self) -> None:
        """(Re)open the file. One that cannot be opened (a symlink planted where the log should
        be, a full disk) is said once in the supervisor's log; what comes meanwhile is dropped,
        rather than stopping the program whose output it is."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        try:
            # O_NOFOLLOW: never write through a link someone put where a log should be.
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
                               | os.O_NOFOLLOW, 0o640)
            os.fchmod(self._fd, 0o640)  # logs hold user names, addresses, tracebacks
            self._size = os.fstat(self._fd).st_size
        except OSError as exc:
            log.error("cannot write the log %s (%s): its lines are dropped until it can be opened",
                      self.path, exc.strerror)
            self._fd, self._size = -1, 0
        self.opened += 1

    def write(self, data: bytes) -> None:
        """Append data, rotating first whenever the file would pass its cap; a chunk bigger
        than the room left is split after its last line that fits (a line longer than a whole
        file is cut)."""
        view = memoryview(data)
        while view and self._fd >= 0:
            room = self.settings.max_size - self._size
            if len(view) <= room:
                self._write(view)
                return
            cut = bytes(view[:room]).rfind(b"\n") + 1
            if cut == 0 and self._size == 0:
                cut = room
            if cut:
                self._write(view[:cut])
                view = view[cut:]
            self.rotate()

    def _write(self, view: memoryview) -> None:
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
                self._size += written
        except OSError as exc:          # a full disk: drop, say so once, go on
            if not self._failing:
                log.error("cannot write the log %s (%s): lines are dropped", self.path, exc.strerror)
            self._failing = True
        else:
            self._failing = False

    def rotate(self) -> None:
        for n in range(self.settings.keep - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{n + 1}"))
        if self.path.exists():
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        self.reopen()

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class CappedLogHandler(logging.Handler):
    """Log records into a RotatingLog. With stderr=True (a detached supervisor, whose stderr
    is its log) the process's stderr follows the file across rotations, so that a traceback
    lands beside the last records."""

    def __init__(self, path: Path, settings: LogSettings, *, stderr: bool = False):
        super().__init__()
        self.log = RotatingLog(path, settings)
        self.stderr = stderr
        self._followed = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.log.write((self.format(record) + "\n").encode("utf-8", "replace"))
            if self.stderr and self._followed != self.log.opened:
                os.dup2(self.log.fileno(), 2)
                self._followed = self.log.opened
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        self.log.close()
        super().close()
