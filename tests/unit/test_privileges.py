"""Dropping privileges for real, in a forked child: the drop holds and root cannot come back."""
import os
import pwd

import pytest

from pycopia_www.privileges import Credentials, PrivilegeError, drop_to, verify_dropped

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")


def in_child(fn) -> int:
    """Run fn in a forked child; its exit status: 0 ok, 1 assertion, 2 other error."""
    pid = os.fork()
    if pid == 0:
        try:
            fn()
            os._exit(0)
        except AssertionError:
            os._exit(1)
        except BaseException:
            os._exit(2)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@needs_root
def test_drop_to_nobody_holds_and_root_cannot_be_regained():
    nobody = Credentials.lookup("nobody")

    def child():
        drop_to(nobody)
        assert os.getresuid() == (nobody.uid,) * 3
        assert os.getresgid() == (nobody.gid,) * 3
        assert set(os.getgroups()) == set(nobody.groups)
        for regain in (lambda: os.setuid(0), lambda: os.setreuid(0, 0), lambda: os.setresuid(0, 0, 0)):
            try:
                regain()
            except PermissionError:
                continue
            raise AssertionError("regained root")
        with open("/proc/self/status") as f:
            assert "NoNewPrivs:\t1" in f.read()

    assert in_child(child) == 0


@needs_root
def test_verification_catches_a_partial_drop():
    """Only the effective uid changed (a classic mistake): the saved uid 0 would let root back."""
    nobody = Credentials.lookup("nobody")

    def child():
        os.setgroups(list(nobody.groups))
        os.setresgid(nobody.gid, nobody.gid, nobody.gid)
        os.seteuid(nobody.uid)
        try:
            verify_dropped(nobody)
        except PrivilegeError:
            return
        raise AssertionError("partial drop not detected")

    assert in_child(child) == 0


def test_credentials_lookup_uses_primary_group_and_group_list():
    creds = Credentials.lookup("root")
    assert creds.uid == 0 and creds.gid == 0 and 0 in creds.groups
    pw = pwd.getpwnam("nobody")
    assert Credentials.lookup("nobody").gid == pw.pw_gid
