"""run_as for real: a real login account, real processes, and what the kernel says about them."""
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

from farmkit import login_user, system_group
from pycopia_www.farm.procfs import alive
from pycopia_www.runas import DEFAULT_LIMITS, Limits, RunAsRefused, run_as

PY = "/usr/bin/python3"     # Debian's: readable by every user, unlike a venv's


@pytest.fixture(scope="module")
def user():
    with system_group("rag") as extra, login_user("ra", "--groups", extra) as name:
        yield name


def status_fields(text: str) -> dict[str, str]:
    return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


def test_id_runs_with_the_users_ids_and_login_groups(user):
    r = run_as(user, ["id", "-u"])
    assert r.returncode == 0 and int(r.stdout) == r.uid >= 1000
    assert run_as(user, ["id", "-un"]).stdout.strip() == user
    assert set(map(int, run_as(user, ["id", "-G"]).stdout.split())) == set(os.getgrouplist(user, r.gid))
    assert len(r.groups) == 2      # its own group and the extra one


def test_the_kernel_shows_no_way_back_to_root(user):
    r = run_as(user, ["cat", "/proc/self/status"])
    status = status_fields(r.stdout)
    assert status["Uid"].split() == [str(r.uid)] * 4       # real, effective, saved, filesystem
    assert status["Gid"].split() == [str(r.gid)] * 4
    assert set(map(int, status["Groups"].split())) == set(r.groups) and 0 not in r.groups
    assert status["NoNewPrivs"] == "1"
    assert int(status["CapEff"], 16) == int(status["CapPrm"], 16) == 0


def limits_of(text: str) -> dict[str, tuple[str, str]]:
    """/proc/PID/limits: name -> (soft, hard)."""
    rows = {}
    for line in text.splitlines()[1:]:
        name, soft, hard = line[:26].strip(), *line[26:].split()[:2]
        rows[name] = (soft, hard)
    return rows


def test_l5_the_command_runs_under_resource_limits(user):
    """Before the fix the child had the backend's limits (no cap on processes, memory, CPU,
    core dumps)."""
    r = run_as(user, ["cat", "/proc/self/limits"], timeout=7)
    limits = limits_of(r.stdout)
    assert limits["Max core file size"] == ("0", "0")
    assert limits["Max cpu time"] == ("8", "8")                 # the timeout, rounded up, + 1
    assert limits["Max processes"] == (str(DEFAULT_LIMITS.processes),) * 2
    assert limits["Max open files"] == (str(DEFAULT_LIMITS.open_files),) * 2
    assert limits["Max address space"] == (str(DEFAULT_LIMITS.address_space),) * 2
    assert limits["Max file size"] == (str(DEFAULT_LIMITS.file_size),) * 2
    held = [os.open("/dev/null", os.O_RDONLY) for _ in range(40)]  # the parent's descriptors
    try:
        small = run_as(user, ["cat", "/proc/self/limits"], limits=Limits(open_files=16))
    finally:
        for fd in held:
            os.close(fd)
    assert limits_of(small.stdout)["Max open files"] == ("16", "16")


def test_l5_a_memory_hog_is_stopped_by_its_limit(user):
    r = run_as(user, [PY, "-c", "b = bytearray(2 << 30); print('allocated')"],
               limits=Limits(address_space=512 << 20))
    assert r.returncode != 0 and "allocated" not in r.stdout and "MemoryError" in r.stderr


def test_setuid_0_fails_in_the_child(user):
    r = run_as(user, [PY, "-c", "import os; os.setuid(0)"])
    assert r.returncode == 1 and "PermissionError" in r.stderr


@pytest.fixture
def setuid_id():
    """A root-owned setuid copy of id, in a directory every user can reach; gone after the test."""
    where = tempfile.mkdtemp(prefix="pwww-suid-")
    os.chmod(where, 0o755)
    path = os.path.join(where, "id")
    shutil.copy("/usr/bin/id", path)
    os.chown(path, 0, 0)
    os.chmod(path, 0o4755)
    try:
        yield path
    finally:
        shutil.rmtree(where)


def test_a_setuid_binary_does_not_elevate(user, setuid_id):
    """no-new-privs: the child runs a setuid-root program with its own ids, not root's."""
    uid = pwd.getpwnam(user).pw_uid
    control = subprocess.run([setuid_id, "-u"], user=uid, capture_output=True, text=True)
    assert control.stdout.strip() == "0"       # without no-new-privs it would be root
    assert run_as(user, [setuid_id, "-u"]).stdout.strip() == str(uid)


def test_environment_is_clean_and_cwd_is_home(user, monkeypatch):
    monkeypatch.setenv("PWWW_LEAK_MARKER", "backend-secret")
    r = run_as(user, ["env"])
    env = dict(line.split("=", 1) for line in r.stdout.splitlines())
    home = os.path.expanduser(f"~{user}")
    assert env == {"HOME": home, "USER": user, "LOGNAME": user, "SHELL": "/bin/sh",
                   "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    assert run_as(user, ["pwd"]).stdout.strip() == home


def test_stdin_is_dev_null_unless_input_is_given(user):
    assert run_as(user, ["readlink", "/proc/self/fd/0"]).stdout.strip() == "/dev/null"
    assert run_as(user, ["cat"], input="héllo\n").stdout == "héllo\n"
    big = "x" * (1 << 20)           # more than a pipe holds: written as the child reads
    assert run_as(user, ["wc", "-c"], input=big).stdout.strip() == str(len(big))


def test_no_file_descriptor_is_inherited(user):
    fd = os.open("/etc/hostname", os.O_RDONLY)
    os.set_inheritable(fd, True)
    try:
        r = run_as(user, [PY, "-c", "import os; print(sorted(map(int, os.listdir('/proc/self/fd'))))"])
    finally:
        os.close(fd)
    assert fd > 3 and fd not in eval(r.stdout) and eval(r.stdout)[:3] == [0, 1, 2]


def test_timeout_kills_the_whole_process_group(user):
    started = time.monotonic()
    r = run_as(user, ["sh", "-c", "sleep 30 & echo $$ $!; sleep 30"], timeout=1.0)
    assert r.timed_out and r.returncode < 0 and time.monotonic() - started < 10
    pids = [int(p) for p in r.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 5
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in pids)


def test_background_processes_do_not_outlive_the_command(user):
    r = run_as(user, ["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"])
    assert not r.timed_out and r.returncode == 0
    pid = int(r.stdout)
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def test_output_is_capped_and_the_command_stopped(user):
    r = run_as(user, ["yes"], max_output=1000, timeout=10)
    assert r.truncated and not r.timed_out and len(r.stdout) == 1000 and r.returncode < 0
    small = run_as(user, ["echo", "hi"], max_output=1000)
    assert not small.truncated and small.stdout == "hi\n"


def test_output_is_decoded_with_replacement(user):
    r = run_as(user, [PY, "-c", "import sys; sys.stdout.buffer.write(b'a\\xffb'); sys.stderr.write('e')"])
    assert r.stdout == "a\ufffdb" and r.stderr == "e"


def test_a_program_the_user_may_not_execute_is_refused(user):
    where = tempfile.mkdtemp(prefix="pwww-noexec-")
    os.chmod(where, 0o755)
    try:
        program = os.path.join(where, "id")
        shutil.copy("/usr/bin/id", program)
        os.chmod(program, 0o700)        # root's alone: root finds it, the user cannot run it
        with pytest.raises(RunAsRefused, match="cannot run .*Permission denied"):
            run_as(user, [program])
    finally:
        shutil.rmtree(where)


def test_a_home_the_user_cannot_enter_is_refused():
    with login_user("rh") as user:
        home = os.path.expanduser(f"~{user}")
        os.chown(home, 0, 0)
        os.chmod(home, 0o700)
        with pytest.raises(RunAsRefused, match="could not become"):
            run_as(user, ["id"])
