"""Linux capabilities by name (capabilities(7)), and the sets of a process as /proc shows them.

A leaf module: the configuration checks names with it, privileges.py applies and verifies sets.
"""
# Numbers from linux/capability.h.
NUMBERS = {name: number for number, name in enumerate((
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
    "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"))}

# What a root backend keeps unless its configuration lists others: what runas needs to become
# the logged-in user (setgroups/setresgid, setresuid) and to kill that user's command.
RUN_AS = ("CAP_SETUID", "CAP_SETGID", "CAP_KILL")
SETS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")


def canonical(name: str) -> str | None:
    """"CAP_SETUID" for "cap_setuid" or "CAP_SETUID"; None if it is no capability."""
    name = name.upper()
    return name if name in NUMBERS else None


def number(name: str) -> int:
    return NUMBERS[canonical(name) or name]


def mask(names) -> int:
    return sum(1 << number(n) for n in set(names))


def names_of(bits: int) -> list[str]:
    return [n for n, i in NUMBERS.items() if bits >> i & 1] + \
        [f"capability {i}" for i in range(len(NUMBERS), bits.bit_length()) if bits >> i & 1]


def process_sets(pid: str | int = "self") -> dict[str, int]:
    """CapInh, CapPrm, CapEff, CapBnd and CapAmb of a process, as bit masks."""
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    return {name: int(fields.get(name, "0"), 16) for name in SETS}
