"""bench watch: what `start --reload` costs an idle supervisor, polling against inotify.

The demo site's watch sets (pycopia_www/farm/watch.py: every local backend's files and the
configuration), watched for SECONDS of wall time with nothing changing, three ways, each a
loop like the supervisor's (select on a file descriptor with a timeout):

  idle      the supervisor's loop without --reload: select, 1 s timeout
  polling   what --reload does: select with the watcher's interval, then Watcher.poll()
  inotify   the alternative: an inotify descriptor (through ctypes) on every watched file's
            directory, in the same select, 1 s timeout; nothing to do until an event comes

Prints the CPU time each used (user + system, of this process) as a share of the wall time, the
cost of one poll, and the ratio polling / idle:

    bench watch: files=<n> poll_us=<one poll> idle_cpu=<%> polling_cpu=<%> inotify_cpu=<%>

    .venv-bench/bin/python bench/bench_watch.py [--seconds N]
"""
import argparse
import ctypes
import os
import resource
import select
import socket
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pycopia_www.config import load_site          # noqa: E402
from pycopia_www.farm import watch                  # noqa: E402

IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_FROM, IN_MOVED_TO = 0x2, 0x8, 0x40, 0x80
IN_CREATE, IN_DELETE, IN_NONBLOCK = 0x100, 0x200, 0o4000


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(seconds: float, timeout: float, fd: int, each=None) -> float:
    """CPU seconds used by a select loop on `fd` for `seconds` of wall time."""
    start, used = time.monotonic(), cpu()
    while time.monotonic() - start < seconds:
        select.select([fd], [], [], timeout)
        if each is not None:
            each()
    return cpu() - used


def inotify_fd(directories) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(IN_NONBLOCK)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1")
    mask = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
    for directory in directories:
        if libc.inotify_add_watch(fd, os.fsencode(directory), mask) < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {directory}")
    return fd


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    site = load_site(REPO / "demo" / "etc" / "farm.toml")
    watcher = watch.Watcher(site)
    files = set(watcher.stamps)
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        watcher.next_poll = 0.0
        watcher.poll()
    poll_us = (time.perf_counter() - started) / rounds * 1e6

    quiet, _ = socket.socketpair()          # a descriptor nothing is ever written to
    idle = run(args.seconds, 1.0, quiet.fileno())
    polling = run(args.seconds, watch.INTERVAL, quiet.fileno(), watcher.poll)
    fd = inotify_fd({p if p.is_dir() else p.parent for p in files})
    try:
        inotify = run(args.seconds, 1.0, fd)
    finally:
        os.close(fd)
    share = lambda used: f"{100 * used / args.seconds:.3f}%"      # noqa: E731
    print(f"{'loop':<10} {'CPU s':>8} {'CPU share':>10}")
    for name, used in (("idle", idle), ("polling", polling), ("inotify", inotify)):
        print(f"{name:<10} {used:>8.4f} {share(used):>10}")
    print(f"bench watch: files={len(files)} poll_us={poll_us:.0f} idle_cpu={share(idle)} "
          f"polling_cpu={share(polling)} inotify_cpu={share(inotify)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
