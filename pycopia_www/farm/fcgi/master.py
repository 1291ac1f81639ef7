"""The prefork master: keep the workers alive, replace the ones that exit, drain on SIGTERM.

The master never accepts connections itself. It sleeps on its signal wake-up pipe (SIGCHLD,
SIGTERM, SIGINT, SIGUSR1), so it reacts to a signal at once whether or not any request is
arriving, and wakes on a short tick to look at the scoreboard: requests over time, a pool to grow
or shrink, a worker grown above max_rss, a backend idle long enough to stop. Nothing of that
costs the workers a system call per request: a worker writes its slot, and only when it finds
every other worker busy too (and the pool could grow) does it nudge the master with SIGUSR1.
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
HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD, signal.SIGUSR1)
PAGE = os.sysconf("SC_PAGE_SIZE")


def resident(pid):
    """Bytes of memory a process has resident (its RSS), or 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


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
        self.retiring = set()      # pids asked to leave for good: the pool shrinks
        self.recycling = set()     # pids above max_rss asked to leave: they are replaced
        self.seen = {}             # slot -> ((began, served), monotonic time it last changed)
        self.last_active = time.monotonic()
        self.idle = False          # stopped because nothing came for idle_timeout
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
        signal.signal(signal.SIGUSR1, lambda signum, frame: None)     # a worker: "all busy"
        self.saved_wakeup = signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)

    def _restore(self):
        signal.set_wakeup_fd(self.saved_wakeup)
        for sig, handler in self.saved.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        os.close(self.wake_r)
        os.close(self.wake_w)
        self.board.close()

    def _sleep(self, seconds):
        hold = self.pool.hold
        watched = [self.wake_r] + ([hold] if hold is not None and hold.fileno() >= 0 else [])
        select.select(watched, [], [], max(0.0, seconds))
        drain(self.wake_r)

    # -- workers ---------------------------------------------------------------------------------

    def _spawn(self, slot):
        self.board.reset(slot)
        sys.stdout.flush()
        sys.stderr.flush()
        # A stop signal must not reach the new worker before it has its own handlers: it stays
        # pending until Worker.run() unblocks it.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        # Objects that exist now (the application, imported) stay out of every later collection,
        # the master's and the workers': their pages remain shared between the master and all its
        # workers instead of being copied when a collector writes to their headers. They stay
        # frozen in the master too (it runs no application code, so keeps no garbage of it).
        # Not before the first fork: that full collection walks the whole application (25 ms of
        # an on-demand backend's cold start, to free a few hundred objects of its imports, which
        # then stay frozen); later collections walk only what came after the freeze.
        if gc.get_freeze_count():
            gc.collect()
        gc.freeze()
        try:
            pid = os.fork()
        except OSError as exc:
            self.log.error("cannot fork a worker: %s", exc)
            self.respawn_at[slot] = time.monotonic() + MAX_BACKOFF
            return
        finally:
            if os.getpid() == self.pid:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        if pid == 0:
            self._child(slot)          # never returns
        self.pids[pid] = slot
        self.board.claim(slot, pid)
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
            self.board.reset(slot)
            self.killed.discard(pid)
            self.recycling.discard(pid)
            lived = now - self.started.pop(slot, now)
            self._report(pid, status)
            if self.stopping:
                continue
            if pid in self.retiring:
                self.retiring.discard(pid)
                self.log.info("worker %d retired: the pool is down to %d", pid, len(self.pids))
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

    # -- the pool's size and its workers' memory -------------------------------------------------

    def _look(self, now):
        """Note which slots changed since the last tick (a request began or ended)."""
        for slot in self.pids.values():
            state = self.board.read(slot)
            seen = self.seen.get(slot)
            if seen is None or seen[0] != state or state[0]:
                self.seen[slot] = (state, now)
                self.last_active = now

    def _connections_waiting(self):
        poller = select.poll()
        poller.register(self.pool.listen, select.POLLIN)
        return bool(poller.poll(0))

    def _grow(self):
        """One more worker while every worker is busy and connections wait in the backlog."""
        free = [slot for slot in range(self.pool.workers)
                if slot not in self.pids.values() and slot not in self.respawn_at]
        if free and not self.stopping and self.board.saturated() and self._connections_waiting():
            self._spawn(free[0])
            self.log.info("all %d workers busy with connections waiting: one more",
                          len(self.pids) - 1)

    def _shrink(self, now):
        """Ask one worker above the fewest that has been idle for retire_after to leave."""
        staying = len(self.pids) - len(self.retiring)
        if staying <= self.pool.fewest:
            return
        for pid, slot in sorted(self.pids.items(), key=lambda item: -item[1]):
            (began, _), since = self.seen.get(slot, ((1.0, 0), now))
            if pid in self.retiring or began or now - since < self.pool.retire_after:
                continue
            self.retiring.add(pid)
            self._kill(pid, signal.SIGTERM)
            return

    def _bound_memory(self):
        """A worker resident above max_rss finishes its request (SIGTERM) and is replaced."""
        for pid in self.pids:
            if pid in self.recycling or pid in self.retiring:
                continue
            rss = resident(pid)
            if rss > self.pool.max_rss:
                self.log.warning("worker %d is resident in %.1f MB, above max_rss %.1f MB: "
                                 "replacing it after its request", pid, rss / 2 ** 20,
                                 self.pool.max_rss / 2 ** 20)
                self.recycling.add(pid)
                self._kill(pid, signal.SIGTERM)

    def _idle_long_enough(self, now):
        if self.pool.hold is not None and self.pool.hold.poll():
            self.last_active = now      # someone listens to what this backend publishes
        if self.pool.idle_timeout is not None and now - self.last_active >= self.pool.idle_timeout:
            self.log.info("no request for %.0fs: stopping until the next one", now - self.last_active)
            self.idle = True
            self.stopping = True

    @staticmethod
    def _kill(pid, sig):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:      # exited; reaped on the next round
            pass

    # -- the loop --------------------------------------------------------------------------------

    def run(self):
        """Serve until stopped; "idle" if that was for idle_timeout, else "stopped"."""
        self._install()
        try:
            for slot in range(self.pool.fewest):
                if not self.stopping:
                    self._spawn(slot)
            if self.pool.grows:
                self.log.info("serving with %d-%d workers", self.pool.fewest, self.pool.workers)
            else:
                self.log.info("serving with %d workers", self.pool.workers)
            while not self.stopping:
                self._reap()
                now = time.monotonic()
                for slot, when in list(self.respawn_at.items()):
                    if when <= now and not self.stopping:
                        self._spawn(slot)
                self._police(now)
                self._look(now)
                if self.pool.grows:
                    self._grow()
                    self._shrink(now)
                if self.pool.max_rss:
                    self._bound_memory()
                self._idle_long_enough(now)
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
        return "idle" if self.idle else "stopped"

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
