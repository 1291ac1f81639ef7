"""The supervisor: starts lighttpd and every backend, restarts what dies, reloads, reports.

One process, one thread, one select loop. It holds every backend's listening socket itself, so a
backend master that dies or is replaced never takes its socket with it: lighttpd's connections wait
in the backlog until the next master's workers accept them.
"""
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
from dataclasses import dataclass, field
from pathlib import Path

import prctl

from ..config import Backend, ConfigError, Site, load_site
from . import paths, procfs
from .accounts import prepare_directories
from .backend import command as backend_command
from ..data.cli import upgrade_databases
from .checks import check_site, lighttpd_binary, write_generated
from .lighttpd import frontend_group
from ..privileges import running_as_root, set_process_name

log = logging.getLogger("pycopia_www.supervisor")

READY_TIMEOUT = 60.0      # seconds a new backend master may take to import its application


@dataclass
class Child:
    """One supervised program: lighttpd, or one backend's master process."""
    name: str
    kind: str                                   # "lighttpd" or "backend"
    user: str
    backend: Backend | None = None
    proc: subprocess.Popen | None = None
    state: str = "starting"                     # starting, running, backoff, failed, stopping, stopped
    restarts: int = 0
    quick_failures: int = 0
    started: float = 0.0                        # wall clock, for uptime
    next_start: float | None = None             # monotonic deadline of a scheduled restart
    replacement: subprocess.Popen | None = None  # during a reload: the new master, until ready
    replacement_since: float = 0.0
    last_exit: str = ""

    def status(self) -> dict:
        pid = self.proc.pid if self.proc and self.proc.returncode is None else None
        return {
            "pid": pid,
            "workers": procfs.children_of(pid) if pid and self.kind == "backend" else [],
            "user": self.user,
            "state": self.state,
            "restarts": self.restarts,
            "uptime": round(time.time() - self.started, 1) if pid else 0.0,
            "last_exit": self.last_exit,
        }


@dataclass
class _Pipe:
    child: Child
    proc: subprocess.Popen
    kind: str                                   # "output" or "ready"
    log: object = None
    buffer: bytes = field(default=b"")


class Supervisor:
    def __init__(self, farm_file: Path, site: Site, *, port: int | None, foreground: bool):
        self.farm_file = farm_file
        self.site = site
        self.port = port
        self.foreground = foreground
        self.as_root = running_as_root()
        self.me = pwd.getpwuid(os.getuid()).pw_name
        self.python = sys.executable
        self.children: dict[str, Child] = {}
        self.sockets: dict[str, socket.socket] = {}
        self.owners: dict[int, tuple[Child, subprocess.Popen]] = {}   # pid -> who it is
        self.retiring: list[subprocess.Popen] = []
        self.selector = selectors.DefaultSelector()
        self.stopping = False
        self._pending_reload = False        # set by SIGHUP, acted on by the loop
        self.started = time.time()
        self.generation = 0

    # ----- start and stop -------------------------------------------------------------------

    def run(self) -> int:
        """Start everything and supervise until told to stop. Returns the exit code."""
        prctl.set_child_subreaper(1)    # orphaned workers of a killed master are reaped here
        set_process_name("pwww-supervisor")
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        self.selector.register(wake_r, selectors.EVENT_READ, ("wake", None))
        control = self._open_control_socket()
        self.selector.register(control, selectors.EVENT_READ, ("control", None))
        paths.pid_file(self.site.farm).write_text(f"{os.getpid()}\n")
        try:
            self._apply(self.site)
            log.info("farm up: http://%s:%d/ (%s)", self.site.farm.listen,
                     self.port or self.site.farm.port, "root" if self.as_root else "unprivileged")
            while not self.stopping:
                self._tick()
            return 0
        finally:
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
        """Drain: lighttpd finishes its responses, backends finish in-flight requests."""
        grace = max([b.timeout for b in self.site.local_backends] + [5.0]) + 5.0
        for child in self.children.values():
            child.state = "stopping"
            for proc in (child.proc, child.replacement):
                self._signal(proc, signal.SIGINT if child.kind == "lighttpd" else signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self._alive_children() and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)
        for proc in self._alive_children():
            log.warning("pid %d did not stop within %.0fs; killing it", proc.pid, grace)
            self._signal(proc, signal.SIGKILL)
        self._reap_all(deadline=time.monotonic() + 5)
        for ident, sock in self.sockets.items():
            self._close_socket(ident, sock)
        self.sockets.clear()
        for key in list(self.selector.get_map().values()):
            if isinstance(key.data, _Pipe):
                self._close_pipe(key.fileobj)

    def _alive_children(self) -> list[subprocess.Popen]:
        procs = [p for c in self.children.values() for p in (c.proc, c.replacement)] + self.retiring
        return [p for p in procs if p is not None and p.returncode is None]

    def _reap_all(self, deadline: float) -> None:
        """Wait for every descendant we inherited too (orphaned workers), not only our children."""
        while time.monotonic() < deadline:
            self._reap()
            if not any(procfs.alive(pid) for pid in procfs.children_of(os.getpid())):
                return
            time.sleep(0.05)
        for pid in procfs.children_of(os.getpid()):
            os.kill(pid, signal.SIGKILL)
        self._reap()

    # ----- the loop ---------------------------------------------------------------------------

    def _tick(self) -> None:
        now = time.monotonic()
        deadlines = [c.next_start for c in self.children.values() if c.next_start is not None]
        timeout = max(0.0, min(deadlines) - now) if deadlines else 1.0
        for key, _ in self.selector.select(min(timeout, 1.0)):
            what = key.data
            if isinstance(what, _Pipe):
                self._read_pipe(key.fileobj, what)
            elif what[0] == "wake":
                try:
                    while key.fileobj.recv(512):
                        pass
                except BlockingIOError:
                    pass
            elif what[0] == "control":
                self._serve_control(key.fileobj)
        self._reap()
        if self._pending_reload:
            self._pending_reload = False
            self.reload()
        now = time.monotonic()
        for child in self.children.values():
            if child.next_start is not None and child.next_start <= now and not self.stopping:
                child.next_start = None
                child.restarts += 1
                self._spawn(child)
            if child.replacement is not None and now - child.replacement_since > READY_TIMEOUT:
                log.error("%s: the reloaded master did not become ready; keeping the old one", child.name)
                self._signal(child.replacement, signal.SIGKILL)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            code = os.waitstatus_to_exitcode(status)
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
        if proc is child.replacement:
            child.replacement = None
            log.error("%s: reloaded master pid %d died before it was ready (%s); keeping the old one",
                      child.name, proc.pid, how)
            return
        if proc is not child.proc:
            return
        child.last_exit = how
        if child.state == "stopping" or self.stopping:
            child.state = "stopped"
            return
        uptime = time.time() - child.started
        sup = self.site.farm.supervision
        if uptime >= sup.stable_after:
            child.quick_failures = 0
            delay = 0.0
        else:
            child.quick_failures += 1
            delay = min(sup.backoff_initial * 2 ** (child.quick_failures - 1), sup.backoff_max)
        if child.quick_failures >= sup.give_up_after:
            child.state = "failed"
            log.error("%s: giving up after %d quick failures in a row (last: %s); "
                      "fix it and run `websitectl reload`", child.name, child.quick_failures, how)
            return
        log.warning("%s: pid %d died (%s) after %.1fs; restarting in %.1fs",
                    child.name, proc.pid, how, uptime, delay)
        child.state = "backoff"
        child.next_start = time.monotonic() + delay

    # ----- spawning -----------------------------------------------------------------------------

    def _spawn(self, child: Child, *, replace: bool = False) -> None:
        if child.kind == "lighttpd":
            proc = self._spawn_lighttpd()
        else:
            proc = self._spawn_backend(child)
        self.owners[proc.pid] = (child, proc)
        self._register_output(child, proc)
        if replace:
            child.replacement = proc
            child.replacement_since = time.monotonic()
        else:
            child.proc = proc
            child.started = time.time()
            child.state = "starting" if child.kind == "backend" else "running"

    def _spawn_lighttpd(self) -> subprocess.Popen:
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
               "PWWW_GENERATED": str(paths.generated_dir(self.site.farm))}
        return subprocess.Popen([lighttpd_binary(), "-D", "-f", str(self.site.farm.lighttpd_conf)],
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, cwd="/")

    def _spawn_backend(self, child: Child) -> subprocess.Popen:
        farm, b = self.site.farm, child.backend
        listener = self.sockets[b.ident]
        ready_r, ready_w = os.pipe()
        argv, env = backend_command(self.python, self.farm_file, farm, b, listen_fd=listener.fileno(),
                                    ready_fd=ready_w, drop=self.as_root)
        try:
            proc = subprocess.Popen(argv, env=env, pass_fds=(listener.fileno(), ready_w),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, cwd="/")
        finally:
            os.close(ready_w)
        ready = os.fdopen(ready_r, "rb", buffering=0)
        os.set_blocking(ready_r, False)
        self.selector.register(ready, selectors.EVENT_READ, _Pipe(child, proc, "ready"))
        return proc

    def _register_output(self, child: Child, proc: subprocess.Popen) -> None:
        farm = self.site.farm
        logfile = (paths.lighttpd_log_dir(farm) / "stderr.log" if child.kind == "lighttpd"
                   else paths.backend_log(farm, child.backend))
        out = open(logfile, "ab", buffering=0)
        os.set_blocking(proc.stdout.fileno(), False)
        self.selector.register(proc.stdout, selectors.EVENT_READ, _Pipe(child, proc, "output", out))

    def _read_pipe(self, fileobj, pipe: _Pipe) -> None:
        try:
            data = fileobj.read(65536)
        except BlockingIOError:
            return
        if pipe.kind == "ready":
            if data:
                self._became_ready(pipe.child, pipe.proc)
            self._close_pipe(fileobj)
            return
        if not data:
            self._close_pipe(fileobj)
            return
        pipe.log.write(data)
        if self.foreground:
            pipe.buffer += data
            *lines, pipe.buffer = pipe.buffer.split(b"\n")
            for line in lines:
                sys.stderr.write(f"[{pipe.child.name}] {line.decode('utf-8', 'replace')}\n")
            sys.stderr.flush()

    def _close_pipe(self, fileobj) -> None:
        pipe = self.selector.get_key(fileobj).data
        self.selector.unregister(fileobj)
        fileobj.close()
        if pipe.log is not None:
            pipe.log.close()

    def _became_ready(self, child: Child, proc: subprocess.Popen) -> None:
        if proc is child.replacement:
            old = child.proc
            child.proc, child.replacement = proc, None
            child.started = time.time()
            if old is not None and old.returncode is None:
                self.owners.pop(old.pid, None)
                self.retiring.append(old)
                self._signal(old, signal.SIGTERM)   # it drains in-flight requests, then exits
            log.info("%s: reloaded (new master pid %d)", child.name, proc.pid)
        if proc is child.proc and child.state == "starting":
            child.state = "running"

    @staticmethod
    def _signal(proc: subprocess.Popen | None, sig: int) -> None:
        if proc is not None and proc.returncode is None:
            try:
                os.kill(proc.pid, sig)
            except ProcessLookupError:
                pass

    # ----- sockets ------------------------------------------------------------------------------

    def _bind_socket(self, b: Backend) -> socket.socket:
        farm = self.site.farm
        path = paths.socket_path(farm, b)
        path.unlink(missing_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(str(path))
        finally:
            os.umask(old)
        if self.as_root:
            uid = pwd.getpwnam(b.user).pw_uid
            gid = grp.getgrnam(frontend_group(self.site)).gr_gid
            os.chown(path, uid, gid)
        os.chmod(path, 0o660)
        sock.listen(1024)
        os.set_inheritable(sock.fileno(), True)
        return sock

    def _close_socket(self, ident: str, sock: socket.socket) -> None:
        path = sock.getsockname()
        sock.close()
        if path:
            Path(path).unlink(missing_ok=True)

    # ----- applying a configuration: start, and reload ------------------------------------------

    def _apply(self, site: Site) -> None:
        self.site = site
        farm = site.farm
        wanted = {b.ident: b for b in site.local_backends}
        for ident, child in list(self.children.items()):
            if child.kind == "backend" and ident not in wanted:
                log.info("%s: removed from the configuration; stopping it", ident)
                child.state = "stopping"
                self._signal(child.proc, signal.SIGTERM)
                if child.proc is not None and child.proc.returncode is None:
                    self.owners.pop(child.proc.pid, None)
                    self.retiring.append(child.proc)
                del self.children[ident]
                self._close_socket(ident, self.sockets.pop(ident))
        for ident, b in wanted.items():
            child = self.children.get(ident)
            if ident not in self.sockets:
                self.sockets[ident] = self._bind_socket(b)
            user = b.user if self.as_root else self.me
            if child is None:
                child = self.children[ident] = Child(ident, "backend", user, backend=b)
                self._spawn(child)
            else:
                child.backend, child.user = b, user
                if child.state == "failed" or child.proc is None or child.proc.returncode is not None:
                    child.quick_failures, child.next_start = 0, None
                    self._spawn(child)
                else:
                    self._spawn(child, replace=True)
        changed = write_generated(site, paths.generated_dir(farm), port=self.port, as_root=self.as_root)
        front = self.children.get("lighttpd")
        if front is None:
            user = farm.frontend_user if self.as_root else self.me
            front = self.children["lighttpd"] = Child("lighttpd", "lighttpd", user)
            self._spawn(front)
        elif front.state == "failed":
            front.quick_failures, front.next_start = 0, None
            self._spawn(front)
        elif changed:
            # lighttpd re-reads its configuration after finishing the requests in flight, keeping
            # its listening socket: no connection is refused.
            log.info("lighttpd: configuration changed; graceful reload")
            self._signal(front.proc, signal.SIGUSR1)

    def reload(self) -> dict:
        try:
            site = prepare_and_check(self.farm_file, port=self.port)
        except ConfigError as exc:
            log.error("reload refused, still running the old configuration: %s", exc)
            return {"ok": False, "error": str(exc)}
        self.generation += 1
        self._apply(site)
        log.info("reload %d: configuration applied", self.generation)
        return {"ok": True, "generation": self.generation}

    # ----- control ------------------------------------------------------------------------------

    def status(self) -> dict:
        backends = {n: c.status() for n, c in self.children.items() if c.kind == "backend"}
        for name, child in self.children.items():
            if child.kind == "backend":
                backends[name]["reloading"] = child.replacement is not None
        front = self.children.get("lighttpd")
        return {
            "supervisor": {"pid": os.getpid(), "uptime": round(time.time() - self.started, 1),
                           "root": self.as_root, "listen": self.site.farm.listen,
                           "port": self.port or self.site.farm.port, "generation": self.generation},
            "lighttpd": front.status() if front else None,
            "backends": backends,
        }

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
                if command == "status":
                    reply = {"ok": True, **self.status()}
                elif command == "reload":
                    reply = self.reload()
                elif command == "stop":
                    self.stopping = True
                    reply = {"ok": True, "pid": os.getpid()}
                else:
                    reply = {"ok": False, "error": f"unknown command {command!r}"}
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except (OSError, ValueError, AttributeError) as exc:
                log.warning("control connection failed: %s", exc)


def prepare_and_check(farm_file: Path, *, port: int | None) -> Site:
    """Everything that must hold before anything starts (or a reload applies); raises
    ConfigError naming the problem."""
    site = load_site(farm_file)
    as_root = running_as_root()
    for warning in check_site(site, as_root=as_root, python=sys.executable, port=port):
        log.warning("%s", warning)
    prepare_directories(site, as_root)
    for line in upgrade_databases(site):       # a new release's schema, before anything starts
        log.info("%s", line)
    return site
