"""Run one command as a logged-in user, from a backend that runs as root (docs/runas.md).

The child gets the user's uid, gid and supplementary groups (as login would set them), a clean
environment, the user's home as working directory, no inherited file descriptors,
no-new-privileges and resource limits; it runs in its own process group, which is killed when the
command ends, times out or writes more than it may. Anything that would hand a client root is
refused before forking, and so is an account its administrator disabled (locked, expired, or
with a shell that refuses logins), as login would refuse it.
"""
import datetime
import grp
import math
import os
import pwd
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass

import resource

import prctl

from .privileges import Credentials, spawn_as

CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin"
MiB = 1 << 20

# Members of these can become root (sudoers' groups; setuid is blocked anyway by no-new-privs)
# or act as root without it: raw disks, kernel memory, container and VM daemons.
# shadow reads every password hash.
ROOT_EQUIVALENT_GROUPS = frozenset({"root", "sudo", "wheel", "admin", "disk", "kmem", "docker",
                                    "lxd", "libvirt", "incus-admin", "shadow"})
NO_LOGIN_SHELLS = frozenset({"nologin", "false"})
SHADOW = "/etc/shadow"


@dataclass(frozen=True)
class Limits:
    """Resource limits of the command (soft and hard alike). CPU time is the timeout's."""
    processes: int = 256            # RLIMIT_NPROC: all of the user's processes (a fork bomb stops)
    open_files: int = 1024          # RLIMIT_NOFILE
    address_space: int = 1 << 30    # RLIMIT_AS, bytes
    file_size: int = 256 << 20      # RLIMIT_FSIZE: the largest file the command may write, bytes
    # Core dumps are always off: a dump of a command run for a web client is nobody's to read.


DEFAULT_LIMITS = Limits()


class RunAsRefused(Exception):
    """The command was not run; `reason` says why, in words fit for the client."""
    pwww_public_error = True        # so a proxy passes the reason on (proxy.errors.public_error)

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
    shell = pwd.getpwnam(username).pw_shell or "/bin/sh"
    if os.path.basename(shell) in NO_LOGIN_SHELLS:
        raise RunAsRefused(f"{username!r} may not log in: its shell {shell} refuses logins")
    if (disabled := account_disabled(username)) is not None:
        raise RunAsRefused(f"{username!r} {disabled}")
    return creds


def account_disabled(username: str, shadow: str = SHADOW, today: int | None = None) -> str | None:
    """Why the account's /etc/shadow entry disables it (as pam_unix's account check would), or
    None. Locked: the password starts with "!" (passwd -l, usermod -L, or never set). Expired:
    the account's expiry date has come. Inactive: the password expired longer ago than its grace
    period. A user without an entry is refused too: nothing says the account is enabled."""
    today = int(time.time() // 86400) if today is None else today
    try:
        with open(shadow) as f:
            entry = next((line.rstrip("\n").split(":") for line in f
                          if line.startswith(username + ":")), None)
    except OSError as exc:
        return f"cannot be checked: {shadow}: {exc.strerror}"
    if entry is None or len(entry) < 8:
        return f"has no entry in {shadow}, so nothing says the account is enabled"
    _, password, changed, _, maximum, _, inactive, expire = entry[:8]
    if password.startswith("!"):
        return "is locked (usermod --unlock, or set a password)"
    if expire.isdigit() and today >= int(expire):
        return f"expired on {_day(int(expire))}"
    if changed.isdigit() and int(changed) > 0 and maximum.isdigit() and inactive.isdigit():
        last_day = int(changed) + int(maximum) + int(inactive)
        if today > last_day:
            return f"is inactive since {_day(last_day + 1)}: its password expired"
    return None


def _day(days: int) -> str:
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days)).isoformat()


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
           input: bytes | str | None = None, limits: Limits = DEFAULT_LIMITS) -> RunResult:
    """Run argv as `username` and capture its output (at most max_output bytes per stream),
    under `limits` and at most the timeout's CPU seconds (rounded up, plus one).

    Raises RunAsRefused when the user or command is not allowed, or the child could not
    become the user; a command that runs and fails is a RunResult with its returncode.
    """
    creds = check_user(username)
    argv, path = resolve(argv)
    if isinstance(input, str):
        input = input.encode()

    cpu_seconds = math.ceil(timeout) + 1

    def as_user():              # in the child, after the drop (which also proves root cannot
        prctl.set_pdeathsig(signal.SIGKILL)     # come back): the backend worker dies, so does
        os.chdir(creds.home)    # the command; a home the user cannot enter is an error
        # Last: the parent's descriptors are still open here (closed just before exec), and
        # the drop's checks open files, which a low RLIMIT_NOFILE could refuse.
        for kind, value in ((resource.RLIMIT_NPROC, limits.processes),
                            (resource.RLIMIT_NOFILE, limits.open_files),
                            (resource.RLIMIT_AS, limits.address_space),
                            (resource.RLIMIT_FSIZE, limits.file_size),
                            (resource.RLIMIT_CPU, cpu_seconds), (resource.RLIMIT_CORE, 0)):
            hard = resource.getrlimit(kind)[1]      # only ever lowered
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (value, value))

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
