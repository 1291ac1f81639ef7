"""Dropping root for good, and proving it.

Order matters: supplementary groups and the gid can only be changed while still root, so they go
first; setresuid last, with the saved uid too, so nothing can switch back. A backend that stays
root keeps only the capabilities it lists (capabilities.py), in every set, for good.
"""
import ctypes
import grp
import logging
import os
import pwd
from dataclasses import dataclass
from typing import TYPE_CHECKING

import prctl

from . import capabilities

if TYPE_CHECKING:
    import subprocess

log = logging.getLogger("pycopia_www.privileges")


class PrivilegeError(RuntimeError):
    """The process does not hold the credentials it should; it must not serve."""


@dataclass(frozen=True)
class Credentials:
    user: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str

    @classmethod
    def lookup(cls, user: str, group: str | None = None) -> "Credentials":
        pw = pwd.getpwnam(user)
        gid = grp.getgrnam(group).gr_gid if group else pw.pw_gid
        groups = tuple(sorted(set(os.getgrouplist(user, gid))))
        return cls(user, pw.pw_uid, gid, groups, pw.pw_dir)


def running_as_root() -> bool:
    return os.geteuid() == 0


def drop_to(creds: Credentials, keep_capabilities=()) -> None:
    """Become `creds` for good. Raises PrivilegeError if the drop did not hold. Staying root
    (creds.uid 0), keep only the capabilities named in `keep_capabilities`."""
    if creds.uid == 0:
        keep = capabilities.mask(keep_capabilities)
        limit_capabilities(keep)
        log.warning("running as root, with %s only", ", ".join(capabilities.names_of(keep)) or
                    "no capabilities")
    else:
        os.setgroups(list(creds.groups))
        os.setresgid(creds.gid, creds.gid, creds.gid)
        os.setresuid(creds.uid, creds.uid, creds.uid)
        verify_dropped(creds)
    # Nothing exec'd from here (setuid binaries, file capabilities) can gain privileges.
    prctl.set_no_new_privs(1)


_libc = ctypes.CDLL(None, use_errno=True)
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
_CAPABILITY_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise PrivilegeError(f"{what}: {os.strerror(errno)}")


def limit_capabilities(keep: int) -> None:
    """As root: hold the capabilities in the bit mask `keep` and no others, in the bounding set
    (so no exec can regain them), permitted and effective; none inheritable or ambient."""
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    for cap in range(last + 1):
        if not keep >> cap & 1:
            _check(_libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0),
                   f"dropping {capabilities.names_of(1 << cap)[0]} from the bounding set")
    if _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 and \
            ctypes.get_errno() != 22:       # EINVAL: a kernel without ambient capabilities
        _check(-1, "clearing the ambient set")
    held = keep & capabilities.process_sets()["CapPrm"]     # capset cannot add what is not held
    data = (_CapData * 2)(*[_CapData(held >> s & 0xFFFFFFFF, held >> s & 0xFFFFFFFF, 0)
                            for s in (0, 32)])
    _check(_libc.capset(ctypes.byref(_CapHeader(_CAPABILITY_VERSION_3, 0)), data), "capset")
    verify_capabilities(keep)


def verify_capabilities(allowed: int) -> None:
    """What /proc says this process holds: nothing outside `allowed`, nothing inheritable or
    ambient. Raises PrivilegeError naming the set and the capabilities in it."""
    for name, bits in capabilities.process_sets().items():
        extra = bits & ~(allowed if name in ("CapPrm", "CapEff", "CapBnd") else 0)
        if extra:
            raise PrivilegeError(f"{name} holds {', '.join(capabilities.names_of(extra))}, "
                                 f"which this process must not have")


def verify_dropped(creds: Credentials) -> None:
    if os.getresuid() != (creds.uid,) * 3 or os.getresgid() != (creds.gid,) * 3:
        raise PrivilegeError(f"ids are {os.getresuid()}/{os.getresgid()}, expected {creds.uid}/{creds.gid}")
    if set(os.getgroups()) != set(creds.groups):
        raise PrivilegeError(f"supplementary groups are {os.getgroups()}, expected {list(creds.groups)}")
    for regain in (lambda: os.setuid(0), lambda: os.seteuid(0), lambda: os.setgid(0),
                   lambda: os.setgroups([0])):
        try:
            regain()
        except PermissionError:
            continue
        raise PrivilegeError("root could be regained after dropping privileges")
    # Capabilities kept across the switch (keep-caps) would let it come back through capset().
    # The bounding set may stay full: with no-new-privileges and no uid 0, exec grants nothing.
    for name, bits in capabilities.process_sets().items():
        if name != "CapBnd" and bits:
            raise PrivilegeError(f"{name} holds {', '.join(capabilities.names_of(bits))} after "
                                 f"dropping to {creds.user!r}")


def spawn_as(creds: Credentials | None, argv, *, child_setup=None, **popen) -> "subprocess.Popen":
    """Start argv as `creds`, exactly as a backend drops (its groups from the group database,
    the gid, the uid with the saved ids, the regain test, no-new-privs), in the child before
    exec; None: as we are, with no-new-privs. The one way the farm runs anything as another user:
    the app check, `websitectl user/urls/url/db`, and run-as. `child_setup` runs in the child
    after the drop. Single-threaded callers only (it forks with a preexec function)."""
    def become():
        if creds is None:
            prctl.set_no_new_privs(1)
        else:
            drop_to(creds)
        if child_setup is not None:
            child_setup()

    import subprocess       # here: a backend imports this module, and seldom needs subprocess
    popen.setdefault("close_fds", True)
    return subprocess.Popen(argv, preexec_fn=become, **popen)


def set_process_name(name: str, short: str | None = None) -> None:
    """Shown by ps and top, so an operator sees which backend a process belongs to: `name` is the
    full title (ps -f, ps aux), `short` the command name that ps -e and top show, which the
    kernel cuts to 15 bytes (default: the start of `name`)."""
    prctl.set_name((short or name)[:15])
    prctl.set_proctitle(name)


def backend_short_name(ident: str) -> str:
    """"ui@appliance" for backend ui of virtual host appliance (ident "appliance.ui"): the name
    first, so that cutting to 15 bytes keeps what tells backends apart."""
    host, _, name = ident.rpartition(".")
    return f"{name}@{host}"[:15] if host else name[:15]
