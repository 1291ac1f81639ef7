"""The auth backend's store: password hashes, users, sessions (hashed tokens, idle and absolute
expiry, ending them), failed-login counts. A real SQLite file, a settable clock."""
import sqlite3

import pytest

from pycopia_www.auth.passwords import generate_password, hash_password, verify_password
from pycopia_www.auth.store import Store, UserError, token_hash


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def store(tmp_path, clock):
    s = Store(tmp_path / "auth.sqlite", clock=clock)
    s.add_user("ann", "correct horse", ["admin", "ops"])
    return s


def test_hash_is_salted_scrypt_and_verifies():
    a, b = hash_password("pw"), hash_password("pw")
    assert a != b and a.startswith("scrypt$16384$8$1$")
    assert verify_password("pw", a) and not verify_password("pW", a)
    assert not verify_password("pw", None) and not verify_password("pw", "garbage")
    assert len(set(generate_password() for _ in range(20))) == 20


def test_users(store):
    assert store.check_password("ann", "correct horse")
    assert not store.check_password("ann", "wrong") and not store.check_password("bob", "x")
    with pytest.raises(UserError, match="exists"):
        store.add_user("ann", "x")
    with pytest.raises(UserError, match="not a user name"):
        store.add_user("Bad Name", "x")
    with pytest.raises(UserError, match="not a role name"):
        store.add_user("bob", "x", ["Admin!"])
    store.add_user("bob", "x")
    store.set_roles("bob", ["ops"])
    assert store.list_users() == [("ann", frozenset({"admin", "ops"}), 0), ("bob", frozenset({"ops"}), 0)]
    store.remove_user("bob")
    with pytest.raises(UserError, match="no user"):
        store.remove_user("bob")


def test_only_the_tokens_hash_is_stored(store, tmp_path):
    token, sid = store.create_session("ann")
    assert len(token) >= 43 and sid != token
    rows = sqlite3.connect(tmp_path / "auth.sqlite").execute("select id, token_hash from sessions").fetchall()
    assert rows == [(sid, token_hash(token))]
    assert token not in (tmp_path / "auth.sqlite").read_bytes().decode("latin-1")


def test_session_idle_and_absolute_expiry(store, clock):
    token, sid = store.create_session("ann")
    session = store.session(token, idle_timeout=100, max_age=250)
    assert session.user == "ann" and session.roles == {"admin", "ops"} and session.id == sid
    assert store.session("forged" + token, 100, 250) is None
    for _ in range(4):                          # activity keeps it alive past the idle timeout...
        clock.now += 60
        assert store.session(token, 100, 250) is not None
    clock.now += 60                             # ...but not past max_age (300 > 250)
    assert store.session(token, 100, 250) is None
    token, _ = store.create_session("ann")
    clock.now += 101                            # idle too long
    assert store.session(token, 100, 250) is None
    assert store.list_users()[0][2] == 0        # expired sessions are removed


def test_ending_sessions(store):
    t1, _ = store.create_session("ann")
    t2, _ = store.create_session("ann")
    store.end_session(t1)
    assert store.session(t1, 100, 100) is None and store.session(t2, 100, 100) is not None
    t3, _ = store.create_session("ann")
    assert store.end_all_sessions("ann") == 2
    assert store.session(t2, 100, 100) is None and store.session(t3, 100, 100) is None
    t4, _ = store.create_session("ann")
    store.set_password("ann", "new")            # a new password ends every session
    assert store.session(t4, 100, 100) is None and store.check_password("ann", "new")


def test_failure_counts_per_user_and_address_in_a_window(store, clock):
    for _ in range(3):
        store.record_failure("ann", "10.0.0.1")
    store.record_failure("bob", "10.0.0.1")
    assert store.failures("user", "ann", 300) == 3 and store.failures("address", "10.0.0.1", 300) == 4
    clock.now += 301
    assert store.failures("user", "ann", 300) == 0
    store.record_failure("ann", "10.0.0.2")
    store.clear_failures("ann")
    assert store.failures("user", "ann", 300) == 0 and store.failures("address", "10.0.0.2", 300) == 1


def test_first_admin_takes_admin_password_or_prints_a_generated_one(tmp_path):
    """usercmd as websitectl setup runs it (in the auth backend's state directory)."""
    import subprocess
    import sys

    def first_admin(directory, stdin):
        directory.mkdir()
        return subprocess.run([sys.executable, "-m", "pycopia_www.auth.usercmd", "first-admin"],
                              cwd=directory, input=stdin, capture_output=True, text=True, check=True).stdout
    out = first_admin(tmp_path / "a", "from-env\n")
    assert "with the password from ADMIN_PASSWORD" in out and "from-env" not in out
    assert Store(tmp_path / "a" / "auth.sqlite").check_password("admin", "from-env")
    out = first_admin(tmp_path / "b", "\n")
    generated = out.split("with password: ")[1].split()[0]
    store = Store(tmp_path / "b" / "auth.sqlite")
    assert store.check_password("admin", generated) and store.list_users()[0][1] == {"admin"}


def test_concurrent_processes_each_use_their_own_connection(tmp_path):
    """A store made before a fork (a prefork master) must not share its connection: the child
    opens its own, and both see each other's writes."""
    import os
    store = Store(tmp_path / "auth.sqlite")
    store.add_user("ann", "ann-pw-1")
    pid = os.fork()
    if pid == 0:
        try:
            store.add_user("bob", "bob-pw-1")
            os._exit(0 if store._db is not None and store._pid == os.getpid() else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [name for name, _, _ in store.list_users()] == ["ann", "bob"]
