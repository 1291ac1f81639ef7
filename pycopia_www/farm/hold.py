"""What keeps a backend up though no request comes: its wake topics that have subscribers.

A backend with wake_topics (docs/events.md, "Backends woken by their listeners") gets the read
end of a pipe from the supervisor, which writes one line to it each time the set of those topics
that have subscribers changes: the topics, space-separated; an empty line when none has any. The
backend's master reads it on its loop (Hold.poll): while the set is not empty the backend counts
as busy and does not stop for idle_timeout. The master also writes the set to LISTENED_FILE in
its state directory (its working directory and its workers'), where a periodic task bound to a
topic looks before each run (listened()). Only the supervisor writes to the pipe; the backend
learns nothing from it but topic names its own configuration holds.
"""
import os

from ..config.topics import overlap

LISTENED_FILE = ".listened"
MAX_LINE = 65536            # bytes; the supervisor writes far less (the configured topics)


class Hold:
    def __init__(self, fd: int):
        self.fd = fd
        os.set_blocking(fd, False)
        self.topics: tuple[str, ...] = ()
        self._buffer = b""
        self._write()

    def fileno(self) -> int:
        return self.fd

    def poll(self) -> bool:
        """Take what the supervisor wrote; True while some wake topic has subscribers."""
        while self.fd >= 0:
            try:
                data = os.read(self.fd, 4096)
            except BlockingIOError:
                break
            if not data:                    # the supervisor is gone: nothing holds us any more
                os.close(self.fd)
                self.fd = -1
                self._set(())
                break
            *lines, self._buffer = (self._buffer + data).split(b"\n")
            self._buffer = self._buffer[-MAX_LINE:]
            if lines:
                self._set(tuple(lines[-1].decode("ascii", "replace").split()))
        return bool(self.topics)

    def _set(self, topics: tuple[str, ...]) -> None:
        if topics != self.topics:
            self.topics = topics
            self._write()

    def _write(self) -> None:
        # Written whole and renamed over: a worker reads the old set or the new one.
        with open(LISTENED_FILE + ".new", "w") as f:
            f.write(" ".join(self.topics) + "\n")
        os.replace(LISTENED_FILE + ".new", LISTENED_FILE)


def forget() -> None:
    """For a backend without wake topics: no set left over from an earlier configuration."""
    try:
        os.unlink(LISTENED_FILE)
    except FileNotFoundError:
        pass


def listened(topic: str) -> bool | None:
    """In a backend's process: does `topic` have subscribers? None when nobody tells this
    backend (it has no wake_topics, or runs outside the farm)."""
    try:
        with open(LISTENED_FILE) as f:
            held = f.read().split()
    except FileNotFoundError:
        return None
    return any(overlap(wake, topic) for wake in held)
