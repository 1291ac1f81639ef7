"""The prefork master: keep N workers alive, replace the ones that exit, drain on SIGTERM.

The master never accepts connections itself. It sleeps on its signal wake-up pipe (SIGCHLD,
SIGTERM, SIGINT), so it reacts to a signal at once whether or not any request is arriving, and
wakes on a short tick to enforce request timeouts from the scoreboard.
"""
import gc
import os
import select
import signal
import sys
import time

from ...privileges import backend_short_name, set_process_name
from .scoreboard import Scoreboard
from .util import drain
from .worker import STOP_SIGNALS, Worker

TICK = 1.0                 # longest sleep between two looks at the scoreboard
QUICK_DEATH = 1.0          # a worker that fails sooner than this after its start is respawned late
MAX_BACKOFF = 5.0
HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD)


def hard_limit(request_timeout):
    """Seconds after which the master SIGKILLs a worker still inside one request.

    At request_timeout the worker gets SIGALRM and answers 504; this catches a worker that
    cannot take the signal (stuck in C code holding the GIL, signals blocked, a blocked write).
    """
    return request_timeout + max(2.0, request_timeout / 4)


def tick(request_timeout):
    """How often the master looks for requests over time: a 504 comes at most this late."""
    return min(TICK, max(0.05, request_timeout / 10))


class Master:
    def __init__(self, pool):
        self.pool = pool
        self.timeout = pool.request_timeout
        self.hard = hard_limit(pool.request_timeout)
        self.tick = tick(pool.request_timeout)
        self.log = pool.log
        self.board = Scoreboard(pool.workers)
        self.pids = {}             # worker pid -> slot
        self.started = {}          # slot -> monotonic time its worker was forked
        self.respawn_at = {}       # slot -> monotonic time to fork a replacement
        self.failures = 0          # consecutive quick failures, for the respawn backoff
        self.killed = set()        # pids the backstop has SIGKILLed
        self.stopping = False
        self.pid = os.getpid()

    # -- signals ---------------------------------------------------------------------------------

    def _on_stop(self, signum, frame):
        self.stopping = True

    def _install(self):
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.saved = {sig: signal.getsignal(sig) for sig in HANDLED}
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        self.saved_wakeup = signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)

    def _restore(self):
        signal.set_wakeup_fd(self.saved_wakeup)
        for sig, handler in self.saved.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        os.close(self.wake_r)
        os.close(self.wake_w)
        self.board.close()

    def _sleep(self, seconds):
        select.select([self.wake_r], [], [], max(0.0, seconds))
        drain(self.wake_r)

    # -- workers ---------------------------------------------------------------------------------

    def _spawn(self, slot):
        self.board.reset(slot)
        sys.stdout.flush()
        sys.stderr.flush()
        # A stop signal must not reach the new worker before it has its own handlers: it stays
        # pending until Worker.run() unblocks it.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        # Objects that exist now stay out of the workers' collections, so their pages remain
        # shared with the master instead of being copied when the collector touches them.
        gc.freeze()
        try:
            pid = os.fork()
        except OSError as exc:
            self.log.error("cannot fork a worker: %s", exc)
            self.respawn_at[slot] = time.monotonic() + MAX_BACKOFF
            return
        finally:
            if os.getpid() == self.pid:
                gc.unfreeze()
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        if pid == 0:
            self._child(slot)          # never returns
        self.pids[pid] = slot
        self.started[slot] = time.monotonic()
        self.respawn_at.pop(slot, None)

    def _child(self, slot):
        status = 1
        try:
            import prctl
            prctl.set_pdeathsig(signal.SIGTERM)
            if os.getppid() != self.pid:       # the master died before pdeathsig was set
                os._exit(0)
            signal.set_wakeup_fd(-1)
            os.close(self.wake_r)
            os.close(self.wake_w)
            set_process_name(f"pwww-{self.pool.name}-worker", short=backend_short_name(self.pool.name))
            status = Worker(self.pool, slot, self.board).run()
        except BaseException:
            try:
                self.log.exception("worker %d failed", os.getpid())
            except BaseException:
                pass
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(status)

    def _reap(self):
        """Collect exited workers; schedule their replacements."""
        now = time.monotonic()
        for pid in list(self.pids):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if not done:
                continue
            slot = self.pids.pop(pid)
            self.killed.discard(pid)
            lived = now - self.started.pop(slot, now)
            self._report(pid, status)
            if self.stopping:
                continue
            crashed = not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0) and not (
                os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGKILL, signal.SIGTERM))
            if crashed and lived < QUICK_DEATH:
                self.failures += 1
                delay = min(MAX_BACKOFF, 0.1 * 2 ** self.failures)
                self.log.warning("worker slot %d failing quickly; next try in %.1fs", slot, delay)
            else:
                self.failures = 0
                delay = 0.0
            self.respawn_at[slot] = now + delay

    def _report(self, pid, status):
        if os.WIFSIGNALED(status):
            self.log.warning("worker %d killed by signal %d", pid, os.WTERMSIG(status))
        elif os.WEXITSTATUS(status):
            self.log.warning("worker %d exited with status %d", pid, os.WEXITSTATUS(status))
        else:
            self.log.debug("worker %d exited", pid)

    def _police(self, now):
        """SIGALRM to workers whose request is over time; SIGKILL to those far over it."""
        for pid, slot in self.pids.items():
            began, _ = self.board.read(slot)
            if not began or now - began < self.timeout or pid in self.killed:
                continue
            if now - began > self.hard:
                self.log.error("worker %d stuck in one request for %.0fs; killing it",
                               pid, now - began)
                self.killed.add(pid)
                sig = signal.SIGKILL
            else:
                sig = signal.SIGALRM
            self._kill(pid, sig)

    @staticmethod
    def _kill(pid, sig):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:      # exited; reaped on the next round
            pass

    # -- the loop --------------------------------------------------------------------------------

    def run(self):
        self._install()
        try:
            for slot in range(self.pool.workers):
                if not self.stopping:
                    self._spawn(slot)
            self.log.info("serving with %d workers", self.pool.workers)
            while not self.stopping:
                self._reap()
                now = time.monotonic()
                for slot, when in list(self.respawn_at.items()):
                    if when <= now and not self.stopping:
                        self._spawn(slot)
                self._police(now)
                wait = self.tick
                if self.respawn_at:
                    wait = min(wait, min(self.respawn_at.values()) - now)
                self._sleep(wait)
        finally:
            try:
                if self.pids:           # also when the loop above failed: no orphaned workers
                    self._drain()
            finally:
                self._restore()

    def _drain(self):
        """Ask every worker to finish its request and exit; wait for all of them."""
        self.stopping = True
        self.log.info("stopping: draining %d workers", len(self.pids))
        for pid in self.pids:
            self._kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.hard + TICK
        while True:
            self._reap()
            if not self.pids:
                break
            now = time.monotonic()
            self._police(now)
            if now > deadline:
                for pid in self.pids:
                    if pid not in self.killed:
                        self.log.error("worker %d did not stop; killing it", pid)
                        self.killed.add(pid)
                        self._kill(pid, signal.SIGKILL)
            self._sleep(self.tick)
        self.log.info("stopped")
