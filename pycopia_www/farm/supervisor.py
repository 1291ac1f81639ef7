"""The supervisor: starts lighttpd and every backend, restarts what dies, reloads, reports.

One process, one thread, one select loop; every file it waits on is registered with the
callback that handles it. It holds every backend's listening socket itself, so a backend master
that dies or is replaced never takes its socket with it: lighttpd's connections wait in the
backlog until the next master's workers accept them. It holds lighttpd's listening sockets too
(listen.py) and hands them over at each start, so lighttpd starts as the front-end user, never
holds root and dies with the supervisor. Every log goes through it, capped (logfile.py); under
systemd it says when the farm is ready (sdnotify.py).
backlog until the next master's workers accept them.

An on-demand backend is not started with the farm: while it is stopped the supervisor watches its
socket, and the first connection (queued by the kernel meanwhile) starts it. Its master stops
itself after idle_timeout without a request (it sees that in its scoreboard) and exits with
EXIT_IDLE; the supervisor watches the socket again. A backend that cannot start, or has been
given up, has its waiting connections answered 503 by the supervisor instead of left hanging.
"""
import fcntl
import grp
import json
import logging
import os
import pwd
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import prctl

from ..config import Backend, ConfigError, Site, load_site
from . import certificates, listen, paths, probe, procfs
from .accounts import prepare_directories
from .backend import EXIT_IDLE, command as backend_command
from .checks import check_site, lighttpd_binary, write_generated
from .fcgi.refusal import refuse_waiting
from .fcgi.util import drain
from .lighttpd import access_log_fd, frontend_credentials, frontend_group
from .logfile import RotatingLog
from .sdnotify import notify
from ..privileges import running_as_root, set_process_name, spawn_as

log = logging.getLogger("pycopia_www.supervisor")

READY_TIMEOUT = 60.0      # seconds a new backend master may take to import its application
PROBE_TIMEOUT = 0.05      # seconds one readiness probe of lighttpd may hold up the loop
CERTIFICATE_CHECK = 6 * 3600.0  # seconds between checks that the farm's own certificates are fresh
PIPE_SIZE = 1 << 20       # lighttpd's access log pipe: room for a reload's pause in reading
IDLE_STOPPED = "idle-stopped"   # an on-demand backend between its idle stop and its next connection


class Child:
    """One supervised program. Subclasses say how it starts, stops and logs."""
    stop_signal = signal.SIGTERM
    first_state = "running"                     # the state right after a start
    ready = True                                # it has started (backends: said so)

    def __init__(self, name: str, user: str):
        self.name = name
        self.user = user
        self.proc: subprocess.Popen | None = None
        self.state = "starting"                 # starting, running, backoff, failed, stopping, stopped
        self.restarts = 0
        self.quick_failures = 0
        self.started = 0.0                      # wall clock, for uptime
        self.next_start: float | None = None    # monotonic deadline of a scheduled restart
        self.last_exit = ""

    def spawn(self, sup: "Supervisor") -> subprocess.Popen:
        raise NotImplementedError

    def log_path(self, site: Site) -> Path:
        raise NotImplementedError

    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def processes(self) -> list[subprocess.Popen]:
        return [self.proc] if self.proc is not None else []

    def status(self) -> dict:
        pid = self.proc.pid if self.alive() else None
        return {"pid": pid, "workers": [], "user": self.user, "state": self.state,
                "restarts": self.restarts,
                "uptime": round(time.time() - self.started, 1) if pid else 0.0,
                "last_exit": self.last_exit, "memory": _memory([pid] if pid else [])}


class LighttpdChild(Child):
    stop_signal = signal.SIGINT                 # lighttpd: finish the responses in flight, then exit
    first_state = "starting"                    # until it answers an HTTP request (probe.py)

    def spawn(self, sup: "Supervisor") -> subprocess.Popen:
        """lighttpd as the front-end user from the first instruction (its privileges dropped
        before exec), with the listening sockets and the access log pipe handed over by fdexec,
        killed by the kernel if the supervisor dies (so it never serves unsupervised)."""
        farm = sup.site.farm
        access_r, access_w = os.pipe2(os.O_CLOEXEC)
        fcntl.fcntl(access_w, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        listening = [s.fileno() for s in sup.front_sockets]
        assert access_log_fd(sup.site) == 3 + len(listening)
        argv = [sup.python, "-I", "-m", "pycopia_www.farm.fdexec", *map(str, listening),
                "--also", str(access_w), "--", lighttpd_binary(), "-D", "-f", str(farm.lighttpd_conf)]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PWWW_GENERATED": str(paths.generated_dir(farm))}
        creds = frontend_credentials(sup.site) if sup.as_root else None
        if creds is not None:           # lighttpd opens /dev/fd/N: the pipe must be its own
            os.fchown(access_w, creds.uid, creds.gid)
        try:
            proc = spawn_as(creds, argv,
                            child_setup=_die_with(os.getpid()), env=env,
                            pass_fds=(*listening, access_w), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/")
        except OSError:
            os.close(access_r)
            raise
        finally:
            os.close(access_w)
        sup.add_output("lighttpd access", os.fdopen(access_r, "rb", buffering=0),
                       paths.lighttpd_access_log(farm), echo=False)
        return proc

    def log_path(self, site: Site) -> Path:
        return paths.lighttpd_error_log(site.farm)      # lighttpd's stderr is its error log

    def reload(self) -> None:
        """Re-read the configuration after the requests in flight, keeping the listening socket:
        no connection is refused."""
        _signal(self.proc, signal.SIGUSR1)


class BackendChild(Child):
    """One backend's master process; during a reload, also its replacement until it is ready."""
    first_state = "starting"                    # until the master says it is ready

    def __init__(self, backend: Backend, user: str):
        super().__init__(backend.ident, user)
        self.backend = backend
        self.replacement: subprocess.Popen | None = None
        self.replacement_since = 0.0
        self.ready = False              # its current master has said it is ready
        self.watching = False           # the supervisor watches its socket (it is stopped)
        self.retry_on_demand = False    # after the backoff: wait for a connection, do not spawn
        self.to_sleep = False           # stopping on request (websitectl sleep), not for good
        self.spawned = 0.0              # monotonic time of the current master's start

    def spawn(self, sup: "Supervisor") -> subprocess.Popen:
        b = self.backend
        listener = sup.sockets[b.ident]
        publish = sup.publish_socket(b) if b.kind == "events" else None
        # An events backend says on `interest` which wake topics have subscribers; a backend
        # with wake topics hears on its hold pipe which of its own have (docs/events.md).
        ours, interest = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET) \
            if b.kind == "events" else (None, None)
        hold_r, hold_w = os.pipe2(os.O_CLOEXEC) if b.wake_topics else (None, None)
        ready_r, ready_w = os.pipe2(os.O_CLOEXEC)
        argv, env, spec_fd = backend_command(
            sup.python, sup.site, b, listen_fd=listener.fileno(), ready_fd=ready_w,
            drop=sup.as_root, publish_fd=publish.fileno() if publish else None,
            interest_fd=interest.fileno() if interest else None, hold_fd=hold_r)
        passed = [fd for fd in (publish and publish.fileno(), interest and interest.fileno(), hold_r)
                  if fd is not None]
        try:
            proc = subprocess.Popen(argv, env=env,
                                    pass_fds=(listener.fileno(), ready_w, spec_fd, *passed),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, cwd="/")
        except OSError:
            os.close(ready_r)
            if ours is not None:
                ours.close()
            if hold_w is not None:
                os.close(hold_w)
            raise
        finally:
            os.close(ready_w)
            os.close(spec_fd)
            if interest is not None:
                interest.close()
            if hold_r is not None:
                os.close(hold_r)
        ready = os.fdopen(ready_r, "rb", buffering=0)
        os.set_blocking(ready_r, False)
        sup.selector.register(ready, selectors.EVENT_READ, lambda: sup.on_ready(self, proc, ready))
        if ours is not None:
            sup.hear_interest(proc, ours, b.host)
        if hold_w is not None:
            sup.add_hold(self, proc, hold_w)
        return proc

    def log_path(self, site: Site) -> Path:
        return paths.backend_log(site.farm, self.backend)

    def processes(self) -> list[subprocess.Popen]:
        return [p for p in (self.proc, self.replacement) if p is not None]

    def status(self) -> dict:
        status = super().status()
        if status["pid"]:
            status["workers"] = procfs.children_of(status["pid"])
            status["memory"] = _memory([status["pid"], *status["workers"]])
        status["reloading"] = self.replacement is not None
        status["start"] = self.backend.start
        status["pool"] = [self.backend.fewest_workers, self.backend.workers]
        return status


def _memory(pids: list[int]) -> dict[str, int]:
    """KiB of memory of these processes together: pss (what they cost: pages shared with others
    divided among those), uss (what their exit would give back) and rss."""
    total = {"pss": 0, "uss": 0, "rss": 0}
    for pid in pids:
        for key, value in (procfs.memory(pid) or {}).items():
            total[key] += value
    return total


MAX_LINE = 65536                    # bytes of one echoed line; a longer one is cut into pieces
# What a child could use to drive the operator's terminal: C0 controls but tab, DEL, C1 controls.
_TERMINAL_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x09), *range(0x0a, 0x20), *range(0x7f, 0xa0)]}


def open_log(path: Path):
    """Append to a log as root without following a symlink planted in its place; 0640."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o640)
    os.fchmod(fd, 0o640)
    return os.fdopen(fd, "ab", buffering=0)


def _die_with(parent: int):
    """For a child, after its privilege drop (which clears it): SIGKILL when `parent` dies."""
    def setup():
        prctl.set_pdeathsig(signal.SIGKILL)
        if os.getppid() != parent:      # it died before we asked
            os._exit(1)
    return setup


class Output:
    """A child's stdout and stderr (or lighttpd's access log pipe): appended to its capped log
    and, in the foreground, echoed with terminal controls shown as escapes and lines bounded
    (the child is not trusted)."""

    def __init__(self, name: str, fileobj, log_file, echo: bool):
        self.name, self.fileobj, self.log, self.echo = name, fileobj, log_file, echo
        self.buffer = b""

    def read(self) -> bool:
        """Copy what is there; False once the child closed its end."""
        try:
            data = self.fileobj.read(65536)
        except BlockingIOError:
            return True
        if not data:
            return False
        self.log.write(data)
        if self.echo:
            self.buffer += data
            *lines, self.buffer = self.buffer.split(b"\n")
            while len(self.buffer) > MAX_LINE:
                lines.append(self.buffer[:MAX_LINE])
                self.buffer = self.buffer[MAX_LINE:]
            for line in lines:
                for piece in range(0, max(len(line), 1), MAX_LINE):
                    text = line[piece:piece + MAX_LINE].decode("utf-8", "replace")
                    sys.stderr.write(f"[{self.name}] {text.translate(_TERMINAL_CONTROLS)}\n")
            sys.stderr.flush()
        return True

    def close(self) -> None:
        self.fileobj.close()
        self.log.close()


def _bind(path: Path, kind: int, owner: tuple[int, int] | None, mode: int) -> socket.socket:
    """A listening unix socket at `path` (replacing what is there), with that owner and mode."""
    path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, kind)
    old = os.umask(0o177)
    try:
        sock.bind(str(path))
    finally:
        os.umask(old)
    if owner is not None:
        os.chown(path, *owner)
    os.chmod(path, mode)
    sock.listen(1024)
    return sock             # not inheritable: pass_fds hands it to its backend alone


def _signal(proc: subprocess.Popen | None, sig: int) -> None:
    if proc is not None and proc.returncode is None:
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass


class Supervisor:
    def __init__(self, farm_file: Path, site: Site, *, port: int | None, foreground: bool,
                 tls_port: int | None = None, front_sockets: list[socket.socket] | None = None,
                 steps=()):
        self.farm_file = farm_file
        self.steps = tuple(steps)           # prepare_and_check's, again at every reload
        self.site = site
        self.port = port
        self.tls_port = tls_port
        # lighttpd's listening sockets, bound by `websitectl start` before anything started.
        self.front_sockets = front_sockets or []
        self.foreground = foreground
        self.as_root = running_as_root()
        self.me = pwd.getpwuid(os.getuid()).pw_name
        self.python = sys.executable
        self.lighttpd: LighttpdChild | None = None
        self.backends: dict[str, BackendChild] = {}
        self.sockets: dict[str, socket.socket] = {}
        self.publish_sockets: dict[str, socket.socket] = {}     # of events backends, by ident
        # Wake topics with subscribers, as each running events server says: its channel -> (its
        # virtual host, those topics, its pid); and the hold pipes of the backends that have
        # wake topics: master pid -> write end (docs/events.md).
        self.interest: dict[socket.socket, tuple[str, set[str], int]] = {}
        self.holds: dict[int, int] = {}
        self.ignored_interest = 0
        self.owners: dict[int, tuple[Child, subprocess.Popen]] = {}   # pid -> who it is
        self.retiring: list[subprocess.Popen] = []
        self.outputs: set[Output] = set()
        self.selector = selectors.DefaultSelector()
        self.stopping = False
        self._pending_reload = False        # set by SIGHUP, acted on by the loop
        self.started = time.time()
        self.generation = 0
        self._tell_ready = True             # until systemd has heard READY=1 for this generation
        self._next_certificate_check = time.monotonic() + CERTIFICATE_CHECK
        self.controls = {"status": self.control_status, "reload": self.control_reload,
                         "stop": self.control_stop, "sleep": self.control_sleep,
                         "wake": self.control_wake}
        self.watcher = None                 # a watch.Watcher: `start --foreground --reload`

    @property
    def children(self) -> list[Child]:
        return ([self.lighttpd] if self.lighttpd else []) + list(self.backends.values())

    # ----- start and stop -------------------------------------------------------------------

    def run(self) -> int:
        """Start everything and supervise until told to stop. Returns the exit code."""
        prctl.set_child_subreaper(1)    # orphaned workers of a killed master are reaped here
        set_process_name("pwww-supervisor")
        os.umask(0o027)                 # logs and state are nobody else's to read
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        self.selector.register(wake_r, selectors.EVENT_READ, lambda: drain(wake_r.fileno()))
        control = self._open_control_socket()
        self.selector.register(control, selectors.EVENT_READ, lambda: self._serve_control(control))
        paths.pid_file(self.site.farm).write_text(f"{os.getpid()}\n")
        try:
            if not self.front_sockets:
                self.front_sockets = listen.bind(self.site, port=self.port, tls_port=self.tls_port)
            self._apply(self.site)
            log.info("farm starting: %s (%s)", " ".join(self.urls()),
                     "root" if self.as_root else "unprivileged")
            while not self.stopping:
                self._tick()
            return 0
        finally:
            notify("STOPPING=1")
            self._shutdown()
            self.selector.unregister(control)
            control.close()
            for path in (paths.control_socket(self.site.farm), paths.pid_file(self.site.farm)):
                path.unlink(missing_ok=True)
            log.info("farm stopped")

    def _on_signal(self, signum, frame):
        if signum in (signal.SIGTERM, signal.SIGINT):
            self.stopping = True
        elif signum == signal.SIGHUP:
            self._pending_reload = True

    def _open_control_socket(self) -> socket.socket:
        path = paths.control_socket(self.site.farm)
        path.unlink(missing_ok=True)
        old = os.umask(0o177)           # only the supervisor's own user may talk to it
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(str(path))
        finally:
            os.umask(old)
        sock.listen(16)
        sock.setblocking(False)
        return sock

    def _shutdown(self) -> None:
        """Drain: lighttpd finishes its responses, backends finish in-flight requests. Waits on
        the same loop (SIGCHLD wakes it), so their last output still reaches the logs."""
        grace = max([b.timeout for b in self.site.local_backends] + [5.0]) + 5.0
        for child in self.children:
            child.state = "stopping"
            for proc in child.processes():
                _signal(proc, child.stop_signal)
        self._wait_while(self._alive, deadline=time.monotonic() + grace)
        for proc in self._alive():
            log.warning("pid %d did not stop within %.0fs; killing it", proc.pid, grace)
            _signal(proc, signal.SIGKILL)
        # Every descendant we inherited too (orphaned workers), not only our children.
        self._wait_while(lambda: any(procfs.alive(pid) for pid in procfs.children_of(os.getpid())),
                         deadline=time.monotonic() + 5)
        for pid in procfs.children_of(os.getpid()):
            os.kill(pid, signal.SIGKILL)
        self._reap()
        for child in self.backends.values():
            self._unwatch(child)
        for sock in self.interest:
            self.selector.unregister(sock)
            sock.close()
        self.interest.clear()
        for sock in [*self.sockets.values(), *self.publish_sockets.values()]:
            self._close_socket(sock)
        self.sockets.clear()
        self.publish_sockets.clear()
        for sock in self.front_sockets:
            sock.close()
        for output in list(self.outputs):
            self._close_output(output)

    def _wait_while(self, condition, *, deadline: float) -> None:
        while condition() and time.monotonic() < deadline:
            self._dispatch(min(0.2, deadline - time.monotonic()))
            self._reap()

    def _alive(self) -> list[subprocess.Popen]:
        procs = [p for c in self.children for p in c.processes()] + self.retiring
        return [p for p in procs if p.returncode is None]

    # ----- the loop ---------------------------------------------------------------------------

    def _dispatch(self, timeout: float) -> None:
        for key, _ in self.selector.select(max(0.0, timeout)):
            key.data()

    def _tick(self) -> None:
        now = time.monotonic()
        deadlines = [c.next_start for c in self.children if c.next_start is not None]
        timeout = max(0.0, min(deadlines) - now) if deadlines else 1.0
        if self.lighttpd is not None and self.lighttpd.state == "starting":
            timeout = 0.0               # the probe below waits, briefly
        if self.watcher is not None:
            timeout = min(timeout, self.watcher.wait(now))
        self._dispatch(min(timeout, 1.0))
        self._reap()
        if self.watcher is not None:
            self._restart_changed()
        self._probe_lighttpd()
        self._notify_when_ready()
        if now >= self._next_certificate_check:
            self._next_certificate_check = now + CERTIFICATE_CHECK
            self._renew_certificates()
        if self._pending_reload:
            self._pending_reload = False
            self.reload()
        now = time.monotonic()
        for child in self.children:
            if child.next_start is not None and child.next_start <= now and not self.stopping:
                child.next_start = None
                if getattr(child, "retry_on_demand", False):
                    child.retry_on_demand = False       # the next connection tries again
                    child.state = IDLE_STOPPED
                    continue
                child.restarts += 1
                self._spawn(child)
        for child in self.backends.values():
            if child.replacement is not None and now - child.replacement_since > READY_TIMEOUT:
                log.error("%s: the reloaded master did not become ready; keeping the old one", child.name)
                _signal(child.replacement, signal.SIGKILL)
            if child.state == "starting" and child.alive() and now - child.spawned > READY_TIMEOUT:
                log.error("%s: the master did not become ready in %.0fs; killing it",
                          child.name, READY_TIMEOUT)
                _signal(child.proc, signal.SIGKILL)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            code = os.waitstatus_to_exitcode(status)
            if pid in self.holds:
                os.close(self.holds.pop(pid))
            owner = self.owners.pop(pid, None)
            if owner is None:
                retired = [p for p in self.retiring if p.pid == pid]
                for p in retired:
                    p.returncode = code
                    self.retiring.remove(p)
                    log.info("retired pid %d exited (%s)", pid, code)
                continue        # otherwise an orphaned worker we adopted as subreaper
            child, proc = owner
            proc.returncode = code
            self._exited(child, proc, code)

    def _exited(self, child: Child, proc: subprocess.Popen, code: int) -> None:
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        if isinstance(child, BackendChild) and proc is child.replacement:
            child.replacement = None
            log.error("%s: reloaded master pid %d died before it was ready (%s); keeping the old one",
                      child.name, proc.pid, how)
            return
        if proc is not child.proc:
            return
        child.last_exit = how
        if self.stopping or (child.state == "stopping" and not getattr(child, "to_sleep", False)):
            child.state = "stopped"
            return
        if isinstance(child, BackendChild) and child.ready and (child.to_sleep or (
                code == EXIT_IDLE and child.backend.on_demand)):
            log.info("%s: stopped while idle; the next connection starts it", child.name)
            child.to_sleep, child.quick_failures = False, 0
            child.state = IDLE_STOPPED
            if child.name in self.publish_sockets:
                # No events server, no subscribers: what is published meanwhile is refused at
                # once (the socket is gone) rather than queued for a later server to deliver.
                self._close_socket(self.publish_sockets.pop(child.name))
            self._watch(child)
            if self._listened_topics(child):     # a listener came as it stopped
                self._start_on_demand(child)
            return
        uptime = time.time() - child.started
        sup = self.site.farm.supervision
        if uptime >= sup.stable_after and child.ready:
            child.quick_failures = 0
            delay = 0.0
        else:
            child.quick_failures += 1
            delay = min(sup.backoff_initial * 2 ** (child.quick_failures - 1), sup.backoff_max)
        if child.quick_failures >= sup.give_up_after:
            child.state = "failed"
            log.error("%s: giving up after %d quick failures in a row (last: %s); "
                      "fix it and run `websitectl reload`", child.name, child.quick_failures, how)
            if isinstance(child, BackendChild):
                self._watch(child)          # its waiting connections get 503 from now on
            return
        if isinstance(child, BackendChild) and child.backend.on_demand and not child.ready:
            # Nobody would take the connections that started it: answer them now, and wait for
            # the backoff and the next connection before trying again.
            log.warning("%s: pid %d failed to start (%s); waiting requests answered 503, "
                        "next start on demand in %.1fs", child.name, proc.pid, how, delay)
            child.state, child.retry_on_demand = "backoff", True
            child.next_start = time.monotonic() + delay
            self._watch(child)
            return
        log.warning("%s: pid %d died (%s) after %.1fs; restarting in %.1fs",
                    child.name, proc.pid, how, uptime, delay)
        child.state = "backoff"
        child.next_start = time.monotonic() + delay

    # ----- spawning -----------------------------------------------------------------------------

    def _spawn(self, child: Child, *, replace: bool = False) -> None:
        if isinstance(child, BackendChild) and not replace:
            self._unwatch(child)
            child.ready, child.spawned = False, time.monotonic()
        proc = child.spawn(self)
        self.owners[proc.pid] = (child, proc)
        self._register_output(child, proc)
        if replace:
            child.replacement = proc
            child.replacement_since = time.monotonic()
        else:
            child.proc = proc
            child.started = time.time()
            child.state = child.first_state

    def _register_output(self, child: Child, proc: subprocess.Popen) -> None:
        self.add_output(child.name, proc.stdout, child.log_path(self.site), echo=self.foreground)

    def add_output(self, name: str, fileobj, path: Path, *, echo: bool) -> None:
        """Copy what comes out of `fileobj` into the capped log at `path` (echoed in the
        foreground), until its writer closes it."""
        output = Output(name, fileobj, RotatingLog(path, self.site.farm.logs), echo)
        os.set_blocking(fileobj.fileno(), False)
        self.selector.register(fileobj, selectors.EVENT_READ,
                               lambda: output.read() or self._close_output(output))
        self.outputs.add(output)

    def _close_output(self, output: Output) -> None:
        self.selector.unregister(output.fileobj)
        self.outputs.discard(output)
        output.close()

    def on_ready(self, child: BackendChild, proc: subprocess.Popen, ready) -> None:
        """A backend master's readiness pipe: one byte once its application is loaded (EOF
        without it: it died first)."""
        try:
            data = ready.read(16)
        except BlockingIOError:
            return
        self.selector.unregister(ready)
        ready.close()
        if not data:
            return
        if proc is child.replacement:
            old = child.proc
            child.proc, child.replacement = proc, None
            child.started = time.time()
            if old is not None and old.returncode is None:
                self.owners.pop(old.pid, None)
                self.retiring.append(old)
                _signal(old, signal.SIGTERM)   # it drains in-flight requests, then exits
            log.info("%s: reloaded (new master pid %d)", child.name, proc.pid)
        if proc is child.proc:
            child.ready = True
            self._unwatch(child)            # a reload overlapped an idle stop: it runs again
            if child.state in ("starting", IDLE_STOPPED):
                child.state = "running"

    # ----- on demand ----------------------------------------------------------------------------

    def _watch(self, child: BackendChild) -> None:
        """While a backend is stopped its socket is ours to watch: a connection starts it (on
        demand) or is answered 503 (it cannot start)."""
        if not child.watching and child.name in self.sockets:
            self.selector.register(self.sockets[child.name], selectors.EVENT_READ,
                                   lambda: self._on_connection(child))
            child.watching = True

    def _unwatch(self, child: BackendChild) -> None:
        if child.watching:
            self.selector.unregister(self.sockets[child.name])
            child.watching = False

    def _on_connection(self, child: BackendChild) -> None:
        """A connection waits on the socket of a backend that is not running."""
        if child.alive() or child.replacement is not None or self.stopping:
            self._unwatch(child)
        elif child.state == IDLE_STOPPED:
            # (A protected backend's requests reach it only after its auth backend has answered
            # lighttpd's question: the two start one after the other, each at its connection.)
            self._start_on_demand(child)
        elif child.state in ("backoff", "failed"):
            retry = max(1, round((child.next_start or time.monotonic()) - time.monotonic() + 0.5))
            count = refuse_waiting(self.sockets[child.name], "503 Service Unavailable",
                                   "503 Service Unavailable: this part of the site cannot start "
                                   "just now.\n", {"Retry-After": str(retry if child.state == "backoff" else 60)})
            log.warning("%s: %s; %d waiting request(s) answered 503", child.name,
                        "giving up" if child.state == "failed" else "starting failed", count)

    def _start_on_demand(self, child: BackendChild) -> None:
        log.info("%s: a connection is waiting; starting it", child.name)
        child.restarts += child.quick_failures > 0      # a retry after a failure is a restart
        self._spawn(child)

    # ----- wake topics: backends started and held by the subscribers of what they publish -------

    def hear_interest(self, proc: subprocess.Popen, sock: socket.socket, host: str) -> None:
        """An events server's channel: "+topic" / "-topic" as a wake topic gets its first
        subscriber or loses its last. That is all it can say; what it starts, our configuration
        decides."""
        sock.setblocking(False)
        self.interest[sock] = (host, set(), proc.pid)
        self.selector.register(sock, selectors.EVENT_READ, lambda: self._on_interest(sock))

    def _on_interest(self, sock: socket.socket) -> None:
        host, topics, pid = self.interest[sock]
        allowed = {t for b in self.site.local_backends if b.host == host for t in b.wake_topics}
        for _ in range(64):
            try:
                message = sock.recv(1024)
            except BlockingIOError:
                break
            except OSError:
                message = b""
            if not message:                 # the events server is gone, and its subscribers
                self.selector.unregister(sock)
                del self.interest[sock]
                sock.close()
                break
            sign, topic = message[:1], message[1:].decode("ascii", "replace")
            if sign not in (b"+", b"-") or topic not in allowed:
                self.ignored_interest += 1      # logged at 1, 10, 100, ...: it cannot flood the log
                if str(self.ignored_interest).rstrip("0") == "1":
                    log.warning("%s events server pid %d: ignored %r on its interest channel "
                                "(%d so far)", host, pid, message[:80], self.ignored_interest)
                continue
            (topics.add if sign == b"+" else topics.discard)(topic)
        self._tell_holds(host)

    def _listened_topics(self, child: BackendChild) -> list[str]:
        b = child.backend
        listened = {t for host, topics, _ in self.interest.values() if host == b.host for t in topics}
        return [t for t in b.wake_topics if t in listened]

    def add_hold(self, child: BackendChild, proc: subprocess.Popen, fd: int) -> None:
        os.set_blocking(fd, False)
        self.holds[proc.pid] = fd
        self._tell_hold(fd, self._listened_topics(child))

    @staticmethod
    def _tell_hold(fd: int, topics: list[str]) -> None:
        try:
            os.write(fd, (" ".join(topics) + "\n").encode())
        except (BlockingIOError, BrokenPipeError):
            pass        # a master not reading (stuck, or exiting): its next start is told again

    def _tell_holds(self, host: str) -> None:
        """Tell the backends of `host` with wake topics which of them have subscribers; start
        those stopped on demand whose topics have some."""
        for child in self.backends.values():
            if child.backend.host != host or not child.backend.wake_topics:
                continue
            topics = self._listened_topics(child)
            for proc in child.processes():
                if proc.pid in self.holds:
                    self._tell_hold(self.holds[proc.pid], topics)
            if topics and child.state == IDLE_STOPPED and not self.stopping:
                log.info("%s: %s has subscribers; starting it", child.name, ", ".join(topics))
                self._start_on_demand(child)

    # ----- readiness: lighttpd answers, every backend serves -----------------------------------

    def _probe_lighttpd(self) -> None:
        front = self.lighttpd
        if front is None or front.state != "starting" or not front.alive():
            return
        host, port = self.front_sockets[0].getsockname()[:2]
        if probe.answers(host, port, PROBE_TIMEOUT):
            front.state = "running"
            log.info("lighttpd answers (pid %d, user %s)", front.proc.pid, front.user)

    def ready(self) -> bool:
        """lighttpd answers and every backend has loaded its application (or given up: a
        failed backend is reported, the rest of the farm serves; an on-demand one waits for its
        first connection)."""
        return (self.lighttpd is not None and self.lighttpd.state == "running"
                and all(c.state in ("running", "failed", IDLE_STOPPED) and c.replacement is None
                        for c in self.backends.values()))

    def _notify_when_ready(self) -> None:
        if self._tell_ready and self.ready():
            self._tell_ready = False
            failed = [c.name for c in self.backends.values() if c.state == "failed"]
            status = f"serving {' '.join(self.urls())}" + (f"; failed: {', '.join(failed)}" if failed else "")
            notify("READY=1", f"STATUS={status}")
            log.info("farm ready: %s", status)

    def urls(self) -> list[str]:
        http, *https = [s.getsockname()[:2] for s in self.front_sockets]
        host = lambda a: f"[{a}]" if ":" in a else a      # noqa: E731
        return [f"http://{host(http[0])}:{http[1]}/"] + [f"https://{host(a)}:{p}/" for a, p in https]

    def _renew_certificates(self) -> None:
        try:
            done = certificates.ensure(self.site)
            if done and write_generated(self.site, paths.generated_dir(self.site.farm), port=self.port,
                                        tls_port=self.tls_port, as_root=self.as_root):
                for line in done:
                    log.info("%s", line)
                self.lighttpd.reload()
        except (ConfigError, certificates.CertificateError, OSError) as exc:
            log.error("certificate check failed: %s", exc)

    # ----- sockets ------------------------------------------------------------------------------

    def _bind_socket(self, b: Backend) -> socket.socket:
        owner = None
        if self.as_root:
            owner = (pwd.getpwnam(b.user).pw_uid, grp.getgrnam(frontend_group(self.site)).gr_gid)
        sock = _bind(paths.socket_path(self.site.farm, b), socket.SOCK_STREAM, owner, 0o660)
        # The backend's FastCGI server makes it non-blocking anyway (the flag is shared): so it
        # is for the supervisor too, which may answer connections on it (refuse_waiting).
        sock.setblocking(False)
        return sock

    def _bind_publish_socket(self, b: Backend) -> socket.socket:
        # Where the virtual host's backends publish to its events backend (docs/events.md): every
        # local user may connect; the events backend asks the kernel who did (SO_PEERCRED).
        return _bind(paths.publish_socket(self.site.farm, b.host), socket.SOCK_SEQPACKET, None, 0o666)

    def publish_socket(self, b: Backend) -> socket.socket:
        sock = self.publish_sockets.get(b.ident)
        if sock is None:
            sock = self.publish_sockets[b.ident] = self._bind_publish_socket(b)
        return sock

    @staticmethod
    def _close_socket(sock: socket.socket) -> None:
        path = sock.getsockname()
        sock.close()
        if path:
            Path(path).unlink(missing_ok=True)

    # ----- applying a configuration: start, and reload ------------------------------------------

    def _apply(self, site: Site, front_sockets: list[socket.socket] | None = None) -> None:
        """`front_sockets`: new listening sockets for lighttpd (its addresses changed)."""
        self.site = site
        farm = site.farm
        wanted = {b.ident: b for b in site.local_backends}
        for ident, child in list(self.backends.items()):
            if ident not in wanted:
                log.info("%s: removed from the configuration; stopping it", ident)
                child.state = "stopping"
                self._unwatch(child)
                _signal(child.proc, child.stop_signal)
                if child.alive():
                    self.owners.pop(child.proc.pid, None)
                    self.retiring.append(child.proc)
                del self.backends[ident]
                self._close_socket(self.sockets.pop(ident))
                if ident in self.publish_sockets:
                    self._close_socket(self.publish_sockets.pop(ident))
        for ident, b in wanted.items():
            if ident not in self.sockets:
                self.sockets[ident] = self._bind_socket(b)
            if b.kind == "events" and not b.on_demand:
                self.publish_socket(b)      # bound while the farm runs; on demand, while it does
            user = b.user if self.as_root else self.me
            child = self.backends.get(ident)
            if child is None:
                child = self.backends[ident] = BackendChild(b, user)
                self._start_or_wait(child)
            else:
                child.backend, child.user = b, user
                if child.state == "failed" or not child.alive():
                    child.quick_failures, child.next_start, child.retry_on_demand = 0, None, False
                    self._start_or_wait(child)      # a stopped on-demand backend stays stopped
                else:
                    self._spawn(child, replace=True)
        changed = write_generated(site, paths.generated_dir(farm), port=self.port,
                                  tls_port=self.tls_port, as_root=self.as_root)
        front = self.lighttpd
        if front_sockets is not None:
            # New addresses: a new lighttpd on the new sockets; the old one drains on its own.
            old, self.front_sockets = self.front_sockets, front_sockets
            if front is not None and front.alive():
                self.owners.pop(front.proc.pid, None)
                self.retiring.append(front.proc)
                _signal(front.proc, front.stop_signal)
            for sock in old:
                sock.close()
            front = None
        if front is None:
            front = self.lighttpd = LighttpdChild("lighttpd", farm.frontend_user if self.as_root else self.me)
            self._spawn(front)
        elif front.state == "failed":
            front.quick_failures, front.next_start = 0, None
            self._spawn(front)
        elif changed:
            log.info("lighttpd: configuration changed; graceful reload")
            front.reload()

    def _start_or_wait(self, child: BackendChild) -> None:
        """Start a backend now, or (on demand) at its first connection."""
        if child.backend.on_demand:
            self._unwatch(child)            # it may be watched as failed: now as stopped
            child.state = IDLE_STOPPED
            self._watch(child)
        else:
            self._spawn(child)

    def reload(self) -> dict:
        notify("RELOADING=1")
        try:
            site = prepare_and_check(self.farm_file, port=self.port, tls_port=self.tls_port,
                                     steps=self.steps)
            wanted = listen.addresses(site, port=self.port, tls_port=self.tls_port)
            sockets = None
            if not listen.same(self.front_sockets, wanted):
                sockets = listen.bind(site, port=self.port, tls_port=self.tls_port)
        except ConfigError as exc:
            log.error("reload refused, still running the old configuration: %s", exc)
            notify("READY=1", f"STATUS=reload refused: {exc}")
            return {"ok": False, "error": str(exc)}
        self.generation += 1
        self._tell_ready = True
        self._apply(site, sockets)
        if self.watcher is not None:
            self.watcher.watch(site)
        log.info("reload %d: configuration applied", self.generation)
        return {"ok": True, "generation": self.generation}

    # ----- the development loop: restart a backend whose code changed ---------------------------

    def _restart_changed(self) -> None:
        changes = self.watcher.poll()
        if changes is None:
            return
        if changes.config:
            log.info("the configuration changed (%s): reloading", changes.names())
            self.reload()
            return
        for ident in sorted(changes.backends):
            self.restart_backend(ident, changes.names())

    def restart_backend(self, ident: str, why: str) -> None:
        """New workers for one backend, as a reload gives them: a new master is started and the
        old one retired once the new one is ready (if it fails to load, the old one stays)."""
        child = self.backends.get(ident)
        if child is None or self.stopping:
            return
        if child.replacement is not None:       # the last restart is still loading
            self.watcher.defer(ident)
            return
        if child.state == IDLE_STOPPED:         # its next connection starts it, new code and all
            self.watcher.restarted(ident)
            return
        log.info("%s: %s changed; restarting it", ident, why)
        if child.alive():
            self._spawn(child, replace=True)
        else:                                   # it had died or failed: start it afresh
            child.quick_failures, child.next_start = 0, None
            self._spawn(child)
        self.watcher.restarted(ident)

    # ----- control ------------------------------------------------------------------------------

    def status(self) -> dict:
        return {
            "supervisor": {"pid": os.getpid(), "uptime": round(time.time() - self.started, 1),
                           "root": self.as_root, "listen": self.site.farm.listen,
                           "port": self.port or self.site.farm.port, "generation": self.generation,
                           "urls": self.urls(), "ready": self.ready(),
                           "memory": _memory([os.getpid()])},
            "lighttpd": self.lighttpd.status() if self.lighttpd else None,
            "backends": {name: {**child.status(), **({"listened": self._listened_topics(child)}
                                                      if child.backend.wake_topics else {})}
                         for name, child in self.backends.items()},
        }

    def control_status(self, request: dict) -> dict:
        return {"ok": True, **self.status()}

    def control_reload(self, request: dict) -> dict:
        return self.reload()

    def control_stop(self, request: dict) -> dict:
        self.stopping = True
        return {"ok": True, "pid": os.getpid()}

    def _on_demand_child(self, request: dict) -> BackendChild | dict:
        child = self.backends.get(str(request.get("backend")))
        if child is None:
            return {"ok": False, "error": f"no local backend {request.get('backend')!r}; known: "
                                          f"{', '.join(self.backends)}"}
        if not child.backend.on_demand:
            return {"ok": False, "error": f'{child.name} is not an on-demand backend '
                                          f'(start = "on-demand")'}
        return child

    def control_sleep(self, request: dict) -> dict:
        """Stop an on-demand backend now as if it had been idle: it drains, and the next
        connection starts it again."""
        child = self._on_demand_child(request)
        if isinstance(child, dict):
            return child
        if child.state == "running" and child.ready and child.replacement is None:
            child.state, child.to_sleep = "stopping", True
            _signal(child.proc, child.stop_signal)
        return {"ok": True, "state": child.state}

    def control_wake(self, request: dict) -> dict:
        """Start a stopped on-demand backend now, without waiting for a connection."""
        child = self._on_demand_child(request)
        if isinstance(child, dict):
            return child
        if child.state == IDLE_STOPPED and not self.stopping:
            self._start_on_demand(child)
        return {"ok": True, "state": child.state}

    def _serve_control(self, server: socket.socket) -> None:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return
        with conn:
            conn.settimeout(2.0)
            try:
                request = json.loads(conn.makefile("rb").readline() or b"{}")
                command = request.get("command")
                handler = self.controls.get(command)
                reply = handler(request) if handler else {"ok": False, "error": f"unknown command {command!r}"}
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except (OSError, ValueError, AttributeError) as exc:
                log.warning("control connection failed: %s", exc)


def prepare_and_check(farm_file: Path, *, port: int | None, tls_port: int | None = None,
                      steps=(), checked: bool = False) -> Site:
    """Everything that must hold before anything starts (or a reload applies); raises
    ConfigError naming the problem. `steps`: what the layers above the farm prepare on top,
    each step(site) -> messages (e.g. the data layer's schema upgrades: a new release's schema
    before anything starts); the farm does not know what they are. `checked`: `websitectl
    start` has just checked and prepared this very configuration before it detached the
    supervisor (the slow part: every backend's import, the steps)."""
    site = load_site(farm_file)
    as_root = running_as_root()
    for line in certificates.ensure(site):
        log.info("%s", line)
    if not checked:
        for warning in check_site(site, as_root=as_root, python=sys.executable, port=port,
                                  tls_port=tls_port):
            log.warning("%s", warning)
    prepare_directories(site, as_root)
    for step in () if checked else steps:
        for line in step(site) or ():
            log.info("%s", line)
    return site
