"""What run_as refuses before it forks: users that are, or could become, root; accounts that are
not people; programs that are not on the clean PATH; and any caller that is not root."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from farmkit import login_user
from pycopia_www.privileges import Credentials, drop_to
from pycopia_www.runas import RunAsRefused, check_user, login_uid_range, resolve, run_as

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: creates users")


def refusal(fn, *args) -> str:
    with pytest.raises(RunAsRefused) as info:
        fn(*args)
    return info.value.reason


def test_a_process_that_is_not_root_refuses():
    """Fail closed: without root there is nobody to switch to, so nothing must run as the caller."""
    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            if os.geteuid() == 0:
                drop_to(Credentials.lookup("nobody"))
            run_as("nobody", ["id"])
            code = 1
        except RunAsRefused as exc:
            code = 0 if "not root" in exc.reason else 3
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def test_a_bare_name_is_found_on_the_clean_path():
    argv, path = resolve(["id", "-u"])
    assert argv == ["id", "-u"] and path in ("/usr/bin/id", "/bin/id")


def test_the_callers_path_is_not_used(monkeypatch):
    venv_bin = Path(sys.executable).parent
    assert (venv_bin / "websitectl").exists()
    monkeypatch.setenv("PATH", f"{venv_bin}:{os.environ.get('PATH', '')}")
    assert "no such program" in refusal(resolve, ["websitectl"])
    assert resolve([str(venv_bin / "websitectl")])[1] == str(venv_bin / "websitectl")


@pytest.mark.parametrize("argv, says", [
    ([], "non-empty list"),
    ("id", "non-empty list"),
    (["id", 3], "non-empty list"),
    ([""], "no such program"),
    (["bin/id"], "absolute or a bare name"),
    (["./id"], "absolute or a bare name"),
    (["/nonexistent/id"], "no such program"),
    (["id", "a\0b"], "NUL"),
])
def test_bad_commands_are_refused(argv, says):
    assert says in refusal(resolve, argv)


def test_login_uid_range_is_read_from_login_defs(tmp_path):
    defs = tmp_path / "login.defs"
    defs.write_text("# UID_MIN 1\nUID_MIN\t\t\t 2000\nUID_MAX  3000\nSYS_UID_MIN 100\n")
    assert login_uid_range(str(defs)) == range(2000, 3001)
    assert login_uid_range(str(tmp_path / "missing")) == range(1000, 60001)


@needs_root
@pytest.mark.parametrize("user, says", [
    ("root", "root"),
    ("pwww-no-such-user", "no system account"),
    ("", "no user name"),
    ("www-data", "system account"),
    ("nobody", "system account"),
])
def test_root_unknown_and_service_accounts_are_refused(user, says):
    assert says in refusal(check_user, user)


@needs_root
@pytest.mark.parametrize("options, says", [
    (("--gid", "root"), "group root"),
    (("--groups", "root"), "group root"),
    (("--groups", "sudo"), "root-equivalent group(s) sudo"),
    (("--groups", "disk,kmem"), "root-equivalent group(s) disk, kmem"),
])
def test_root_and_root_equivalent_groups_are_refused(options, says):
    with login_user("rg", *options) as user:
        assert says in refusal(run_as, user, ["id"])


@needs_root
def test_l5_shadow_is_a_root_equivalent_group():
    """Its members read every password hash (/etc/shadow)."""
    with login_user("rsh", "--groups", "shadow") as user:
        assert "root-equivalent group(s) shadow" in refusal(run_as, user, ["id"])


@needs_root
@pytest.mark.parametrize("change, says", [
    (["usermod", "--lock"], "is locked"),                       # passwd -l, usermod -L: "!" first
    (["usermod", "--expiredate", "1970-01-02"], "expired on 1970-01-02"),
    (["chage", "--lastday", "2000-01-01", "--maxdays", "30", "--inactive", "7"],
     "inactive since 2000-02-08"),                              # password expired, grace passed
])
def test_l5_locked_expired_and_inactive_accounts_are_refused(change, says):
    """Before the fix an account its administrator had disabled was still run as."""
    with login_user("rl") as user:
        assert check_user(user).user == user
        subprocess.run([*change, user], check=True, capture_output=True)
        assert says in refusal(run_as, user, ["id"])


@needs_root
@pytest.mark.parametrize("shell", ["/usr/sbin/nologin", "/bin/false", "/sbin/nologin"])
def test_l5_an_account_whose_shell_refuses_logins_is_refused(shell):
    with login_user("rn", "--shell", shell) as user:
        assert f"its shell {shell} refuses logins" in refusal(run_as, user, ["id"])


@needs_root
def test_l5_a_password_to_change_or_an_empty_one_is_not_a_refusal():
    """chage -d 0 (change at next login) and a removed password do not disable the account."""
    with login_user("rc") as user:
        subprocess.run(["chage", "--lastday", "0", user], check=True)
        assert check_user(user).user == user
        subprocess.run(["passwd", "--delete", user], check=True, capture_output=True)
        assert check_user(user).user == user


@needs_root
def test_a_user_without_a_home_directory_is_refused():
    with login_user("nh") as user:
        home = Credentials.lookup(user).home
        os.rename(home, f"{home}-moved")
        try:
            assert "no home directory" in refusal(run_as, user, ["id"])
        finally:
            os.rename(f"{home}-moved", home)


@needs_root
def test_a_regular_account_is_accepted_with_its_login_groups():
    with login_user("ok", "--groups", "adm") as user:
        creds = check_user(user)
        assert creds.uid >= 1000 and creds.gid != 0
        assert set(creds.groups) == set(os.getgrouplist(user, creds.gid)) and 4 in creds.groups
