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


def capability_sets(pid="self") -> dict[str, int]:
    with open(f"/proc/{pid}/status") as f:
        return {k: int(v, 16) for k, _, v in (line.partition(":\t") for line in f)
                if k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}


def bits(*numbers) -> int:
    return sum(1 << n for n in numbers)


@needs_root
def test_l6_verify_dropped_refuses_capabilities_kept_across_the_switch():
    """With keep-caps, setresuid away from root leaves the permitted set full, and setuid(0)
    still fails (the effective set is empty): before the fix verify_dropped passed such a drop,
    from which capset() brings every capability back."""
    nobody = Credentials.lookup("nobody")

    def child():
        import prctl
        prctl.set_keepcaps(True)
        os.setgroups(list(nobody.groups))
        os.setresgid(nobody.gid, nobody.gid, nobody.gid)
        os.setresuid(nobody.uid, nobody.uid, nobody.uid)
        assert capability_sets()["CapPrm"] != 0 and capability_sets()["CapEff"] == 0
        try:
            verify_dropped(nobody)
        except PrivilegeError as exc:
            assert "CapPrm" in str(exc)
            return
        raise AssertionError("kept capabilities not detected")

    assert in_child(child) == 0


@needs_root
def test_l6_a_root_backend_keeps_only_the_capabilities_it_lists(tmp_path):
    """Before the fix a root backend kept every capability: here it cannot chown, read another
    user's private file or bind a low port, and can still switch users and signal them."""
    secret = tmp_path / "secret"
    secret.write_text("x")
    nobody = pwd.getpwnam("nobody")
    os.chown(secret, nobody.pw_uid, nobody.pw_gid)
    os.chmod(secret, 0o600)
    os.chmod(tmp_path, 0o755)
    from pycopia_www.capabilities import number

    def child():
        drop_to(Credentials.lookup("root"), ["CAP_SETUID", "CAP_SETGID", "CAP_KILL"])
        sets = capability_sets()
        keep = bits(number("CAP_SETUID"), number("CAP_SETGID"), number("CAP_KILL"))
        assert sets == {"CapInh": 0, "CapPrm": keep, "CapEff": keep, "CapBnd": keep, "CapAmb": 0}
        for forbidden in (lambda: os.chown(tmp_path, 1, 1), lambda: open(secret).read(),
                          lambda: __import__("socket").create_server(("127.0.0.1", 1))):
            try:
                forbidden()
            except PermissionError:
                continue
            raise AssertionError("a dropped capability still works")
        pid = os.fork()
        if pid == 0:
            os.setresuid(nobody.pw_uid, nobody.pw_uid, nobody.pw_uid)
            import time
            time.sleep(30)
            os._exit(0)
        os.kill(pid, 9)                 # CAP_KILL: a process of another user
        os.waitpid(pid, 0)

    assert in_child(child) == 0


@needs_root
def test_l6_a_root_backend_may_keep_nothing():
    def child():
        drop_to(Credentials.lookup("root"), [])
        assert set(capability_sets().values()) == {0}
        try:
            os.setuid(1)
        except PermissionError:
            return
        raise AssertionError("setuid without CAP_SETUID")

    assert in_child(child) == 0


def test_l6_capability_numbers_agree_with_python_prctl():
    import prctl
    from pycopia_www.capabilities import NUMBERS
    known = [n for n in prctl.ALL_CAP_NAMES if n != "last_cap"]
    assert len(known) > 35
    for name in known:
        assert NUMBERS[f"CAP_{name.upper()}"] == getattr(prctl, f"CAP_{name.upper()}"), name
