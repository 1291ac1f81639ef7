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


def descendants_of(pid: int) -> list[int]:
    """Every process below `pid` (children, their children, ...), from one pass over /proc."""
    parents = {}
    for e in os.scandir("/proc"):
        if e.name.isdigit():
            parent = parent_of(int(e.name))
            if parent is not None:
                parents.setdefault(parent, []).append(int(e.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return sorted(found)


def memory(pid: int) -> dict[str, int] | None:
    """Resident memory of a process in KiB, from /proc/<pid>/smaps_rollup: rss; pss (shared pages
    divided among the processes that map them: what sums honestly over a group of processes);
    uss (pages only this process maps: what its exit would give back). None once it is gone."""
    fields = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, value = line.partition(":")
                if value.endswith(" kB\n"):
                    fields[key] = int(value[:-4])
    except (OSError, ValueError):
        return None
    if "Pss" not in fields:          # a zombie: nothing mapped any more
        return None
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "uss": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)}
