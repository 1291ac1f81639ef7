"""Dropping root for good, and proving it.

Order matters: supplementary groups and the gid can only be changed while still root, so they go
first; setresuid last, with the saved uid too, so nothing can switch back.
"""
import grp
import logging
import os
import pwd
from dataclasses import dataclass

import prctl

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


def drop_to(creds: Credentials) -> None:
    """Become `creds` for good. Raises PrivilegeError if the drop did not hold."""
    if creds.uid == 0:
        log.warning("running as root: user %r is configured for this backend", creds.user)
    else:
        os.setgroups(list(creds.groups))
        os.setresgid(creds.gid, creds.gid, creds.gid)
        os.setresuid(creds.uid, creds.uid, creds.uid)
        verify_dropped(creds)
    # Nothing exec'd from here (setuid binaries, file capabilities) can gain privileges.
    prctl.set_no_new_privs(1)


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
