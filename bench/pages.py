"""PSS as if a group of processes were alone on the machine, from /proc/<pid>/pagemap (root).

The kernel's Pss divides each shared page among every process that maps it, on the whole
machine: on a shared machine the farm's share of /usr/bin/python3.11 shrinks when other Python
programs run. `alone_pss` divides each physical page only among the processes given, which is
what the same farm would cost on an appliance where nothing else runs.
"""
import collections
import struct

PAGE_KB = 4
_PRESENT = 1 << 63
_PFN = (1 << 55) - 1


def frames(pid: int) -> set[int]:
    """The physical page frames a process has resident (empty if it is gone or we are not root:
    without CAP_SYS_ADMIN the kernel reports every frame as 0)."""
    found = set()
    try:
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
            for line in maps:
                low, high = (int(x, 16) for x in line.split()[0].split("-"))
                if line.rstrip().endswith("[vsyscall]"):
                    continue
                pagemap.seek(low // 4096 * 8)
                for (entry,) in struct.iter_unpack("Q", pagemap.read((high - low) // 4096 * 8)):
                    if entry & _PRESENT and entry & _PFN:
                        found.add(entry & _PFN)
    except OSError:
        pass
    return found


def alone_pss(pids) -> dict[int, float]:
    """pid -> KiB: each resident page divided among those of `pids` that map it."""
    resident = {pid: frames(pid) for pid in pids}
    sharers = collections.Counter(frame for fs in resident.values() for frame in fs)
    return {pid: sum(PAGE_KB / sharers[f] for f in fs) for pid, fs in resident.items()}
