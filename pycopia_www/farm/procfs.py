"""Facts about running processes, read from /proc."""
import os


def parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: fields start after the last ')'.
    return int(stat.rsplit(b")", 1)[1].split()[1])


def children_of(pid: int) -> list[int]:
    return sorted(int(e.name) for e in os.scandir("/proc")
                  if e.name.isdigit() and parent_of(int(e.name)) == pid)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z"


def ids(pid: int) -> dict[str, tuple[int, ...]]:
    """Real, effective, saved (and filesystem) uid and gid, and the supplementary groups."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("Uid", "Gid", "Groups"):
                out[key.lower()] = tuple(int(v) for v in value.split())
    return out
