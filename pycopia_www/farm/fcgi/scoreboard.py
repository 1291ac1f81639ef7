"""Shared memory between the master and its workers: when each worker's current request began.

One slot per worker position. A worker writes its slot at the start and end of each request (no
system call); the master reads the slots to find a worker stuck far past its request timeout.
"""
import mmap
import struct

_SLOT = struct.Struct("dQ")      # request start (time.monotonic(), 0.0 when idle), requests served


class Scoreboard:
    def __init__(self, slots):
        self.slots = slots
        self._map = mmap.mmap(-1, max(1, slots) * _SLOT.size)   # anonymous, shared across fork

    def reset(self, slot):
        _SLOT.pack_into(self._map, slot * _SLOT.size, 0.0, 0)

    def busy(self, slot, started, served):
        _SLOT.pack_into(self._map, slot * _SLOT.size, started, served)

    def idle(self, slot, served):
        _SLOT.pack_into(self._map, slot * _SLOT.size, 0.0, served)

    def read(self, slot):
        """(request start or 0.0, requests served) of a slot."""
        return _SLOT.unpack_from(self._map, slot * _SLOT.size)

    def close(self):
        self._map.close()
