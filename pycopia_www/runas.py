"""Run one command as a logged-in user, from a backend that runs as root (docs/runas.md).

The child gets the user's uid, gid and supplementary groups (as login would set them), a clean
environment, the user's home as working directory, no inherited file descriptors and
no-new-privileges; it runs in its own process group, which is killed when the command ends, times
out or writes more than it may. Anything that would hand a client root is refused before forking.
"""
import grp
import os
import pwd
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass

import prctl

from .privileges import Credentials, spawn_as

CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin"
MiB = 1 << 20

# Members of these can become root (sudoers' groups; setuid is blocked anyway by no-new-privs)
# or act as root without it: raw disks, kernel memory, container and VM daemons.
ROOT_EQUIVALENT_GROUPS = frozenset({"root", "sudo", "wheel", "admin", "disk", "kmem", "docker",
                                    "lxd", "libvirt"})


class RunAsRefused(Exception):
    """The command was not run; `reason` says why, in words fit for the client."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RunResult:
    user: str
    argv: tuple[str, ...]
    returncode: int          # negative: killed by that signal (timeout or output cap)
    stdout: str
    stderr: str
    timed_out: bool
    truncated: bool          # more output than max_output: cut there, the command killed
    uid: int
    gid: int
    groups: tuple[int, ...]


def login_uid_range(login_defs: str = "/etc/login.defs") -> range:
    """Ordinary login accounts per login.defs; system and service accounts are below it."""
    limits = {"UID_MIN": 1000, "UID_MAX": 60000}
    try:
        with open(login_defs) as f:
            for line in f:
                words = line.split()
                if len(words) == 2 and words[0] in limits and words[1].isdigit():
                    limits[words[0]] = int(words[1])
    except OSError:
        pass
    return range(limits["UID_MIN"], limits["UID_MAX"] + 1)


def check_user(username: str) -> Credentials:
    """The credentials to run as, or RunAsRefused."""
    if os.geteuid() != 0:
        raise RunAsRefused("this process is not root, so it cannot act as another user")
    if not isinstance(username, str) or not username or "\0" in username:
        raise RunAsRefused("no user name")
    try:
        creds = Credentials.lookup(username)
    except KeyError:
        raise RunAsRefused(f"{username!r} has no system account") from None
    if creds.uid == 0 or creds.gid == 0 or 0 in creds.groups:
        raise RunAsRefused(f"{username!r} is root or in group root")
    if creds.uid not in login_uid_range():
        # Service accounts (the farm's own backends, www-data, nobody) are not people.
        raise RunAsRefused(f"{username!r} is a system account (uid {creds.uid})")
    strong = sorted(_group_names(creds.groups) & ROOT_EQUIVALENT_GROUPS)
    if strong:
        raise RunAsRefused(f"{username!r} is in root-equivalent group(s) {', '.join(strong)}")
    if not os.path.isdir(creds.home):
        raise RunAsRefused(f"{username!r} has no home directory ({creds.home})")
    return creds


def _group_names(gids) -> set[str]:
    names = set()
    for gid in gids:
        try:
            names.add(grp.getgrgid(gid).gr_name)
        except KeyError:
            pass
    return names


def resolve(argv) -> tuple[list[str], str]:
    """argv as a list of strings, and the absolute program path on the clean PATH."""
    if isinstance(argv, (str, bytes)) or not argv or not all(isinstance(a, str) for a in argv):
        raise RunAsRefused("the command must be a non-empty list of strings")
    argv = list(argv)
    if any("\0" in a for a in argv):
        raise RunAsRefused("the command contains a NUL character")
    name = argv[0]
    if "/" in name and not name.startswith("/"):
        raise RunAsRefused(f"{name!r}: a program path must be absolute or a bare name")
    path = shutil.which(name, path=CLEAN_PATH) if name else None
    if not path:
        raise RunAsRefused(f"{name!r}: no such program on {CLEAN_PATH}")
    return argv, path


def clean_environment(creds: Credentials) -> dict[str, str]:
    shell = pwd.getpwuid(creds.uid).pw_shell or "/bin/sh"
    return {"HOME": creds.home, "USER": creds.user, "LOGNAME": creds.user, "SHELL": shell,
            "PATH": CLEAN_PATH, "LANG": "C.UTF-8"}


def run_as(username: str, argv, *, timeout: float = 10.0, max_output: int = MiB,
           input: bytes | str | None = None) -> RunResult:
    """Run argv as `username` and capture its output (at most max_output bytes per stream).

    Raises RunAsRefused when the user or command is not allowed, or the child could not
    become the user; a command that runs and fails is a RunResult with its returncode.
    """
    creds = check_user(username)
    argv, path = resolve(argv)
    if isinstance(input, str):
        input = input.encode()

    def as_user():              # in the child, after the drop (which also proves root cannot
        prctl.set_pdeathsig(signal.SIGKILL)     # come back): the backend worker dies, so does
        os.chdir(creds.home)    # the command; a home the user cannot enter is an error

    try:
        proc = spawn_as(
            creds, argv, child_setup=as_user, executable=path, env=clean_environment(creds),
            stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            process_group=0, umask=0o022, cwd="/")
    except subprocess.SubprocessError as exc:
        raise RunAsRefused(f"could not become {username!r}: {exc}") from None
    except OSError as exc:
        raise RunAsRefused(f"{username!r} cannot run {path}: {exc.strerror}") from None
    try:
        out, err, timed_out, truncated = _collect(proc, input, timeout, max_output)
    finally:
        # The leader is not reaped yet, so its group id cannot have been reused.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for f in (proc.stdin, proc.stdout, proc.stderr):
            if f:
                f.close()
        proc.wait()
    return RunResult(creds.user, tuple(argv), proc.returncode,
                     out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                     timed_out, truncated, creds.uid, creds.gid, creds.groups)


def _collect(proc, input, timeout, max_output):
    """Read both streams until the command has exited and closed them, feeding it input.
    Stops at the deadline or when a stream goes over max_output."""
    deadline = time.monotonic() + timeout
    out, err = proc.stdout.fileno(), proc.stderr.fileno()
    buffers = {out: bytearray(), err: bytearray()}
    pidfd = os.pidfd_open(proc.pid)     # readable once the leader exits; does not reap it
    stdin = proc.stdin.fileno() if proc.stdin else None
    pending = memoryview(input or b"")
    with selectors.DefaultSelector() as sel:
        sel.register(out, selectors.EVENT_READ)
        sel.register(err, selectors.EVENT_READ)
        sel.register(pidfd, selectors.EVENT_READ)
        if stdin is not None:
            os.set_blocking(stdin, False)
            sel.register(stdin, selectors.EVENT_WRITE)
        try:
            while sel.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    return bytes(buffers[out]), bytes(buffers[err]), True, False
                for key, _ in sel.select(left):
                    if key.fd == pidfd:
                        sel.unregister(pidfd)
                    elif key.fd == stdin:
                        try:
                            pending = pending[os.write(stdin, pending[:65536]):]
                        except BlockingIOError:
                            continue
                        except BrokenPipeError:     # it stopped reading: fine
                            pending = pending[:0]
                        if not pending:
                            sel.unregister(stdin)
                            proc.stdin.close()
                    else:
                        chunk = os.read(key.fd, 65536)
                        if not chunk:
                            sel.unregister(key.fd)
                            continue
                        buffers[key.fd] += chunk
                        if len(buffers[key.fd]) > max_output:
                            del buffers[key.fd][max_output:]
                            return bytes(buffers[out]), bytes(buffers[err]), False, True
        finally:
            os.close(pidfd)
    return bytes(buffers[out]), bytes(buffers[err]), False, False
