"""Shared memory between the master and its workers: who holds each slot, and when its current
request began.

One slot per worker position (as many as the pool may grow to). A worker writes its slot at the
start and end of each request (no system call); the master reads the slots to find a worker stuck
far past its request timeout, to see whether the pool is saturated or idle, and writes the pid of
the worker it puts in a slot (0: the slot is empty).
"""
import mmap
import struct

# request start (time.monotonic(), 0.0 when idle), requests served, pid of its worker (0: empty)
_SLOT = struct.Struct("dQQ")
_TIMES = struct.Struct("dQ")        # the part a worker writes
_PID = struct.Struct("Q")           # the part the master writes


class Scoreboard:
    def __init__(self, slots):
        self.slots = slots
        self._map = mmap.mmap(-1, max(1, slots) * _SLOT.size)   # anonymous, shared across fork

    def reset(self, slot, pid=0):
        _SLOT.pack_into(self._map, slot * _SLOT.size, 0.0, 0, pid)

    def claim(self, slot, pid):
        """The master has put worker `pid` in `slot` (after the fork: the child's own writes to
        the other fields may already have happened)."""
        _PID.pack_into(self._map, slot * _SLOT.size + _TIMES.size, pid)

    def busy(self, slot, started, served):
        _TIMES.pack_into(self._map, slot * _SLOT.size, started, served)

    def idle(self, slot, served):
        _TIMES.pack_into(self._map, slot * _SLOT.size, 0.0, served)

    def read(self, slot):
        """(request start or 0.0, requests served) of a slot."""
        return _TIMES.unpack_from(self._map, slot * _SLOT.size)

    def saturated(self):
        """Every worker busy while a slot is still empty: the pool could grow."""
        empty = False
        for began, _, pid in _SLOT.iter_unpack(self._map):
            if not pid:
                empty = True
            elif not began:
                return False
        return empty

    def close(self):
        self._map.close()
