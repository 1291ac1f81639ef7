"""Small pieces the FastCGI master and worker and the supervisor share."""
import os


def drain(fd: int) -> None:
    """Read a non-blocking wake-up pipe or socket empty (signal.set_wakeup_fd writes to it)."""
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass
