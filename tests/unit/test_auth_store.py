"""The auth backend's store: password hashes, users, sessions (hashed tokens, idle and absolute
expiry, ending them), failed-login counts. A real SQLite file, a settable clock."""
import sqlite3

import pytest

from pycopia_www.auth.passwords import generate_password, hash_password, verify_password
from pycopia_www.auth.store import Store, UserError, token_hash

CHEAP = 14      # scrypt N = 2^14: fast tests; the default cost has tests of its own (L12)


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
    s = Store(tmp_path / "auth.sqlite", clock=clock, password_cost=CHEAP)
    s.add_user("ann", "correct horse", ["admin", "ops"])
    return s


def test_hash_is_salted_scrypt_and_verifies():
    a, b = hash_password("pw", CHEAP), hash_password("pw", CHEAP)
    assert a != b and a.startswith("scrypt$16384$8$1$")
    assert verify_password("pw", a) and not verify_password("pW", a)
    assert not verify_password("pw", None, CHEAP) and not verify_password("pw", "garbage")
    assert len(set(generate_password() for _ in range(20))) == 20


def stored_hash(path, name):
    return sqlite3.connect(path).execute("select password from users where name = ?",
                                         (name,)).fetchone()[0]


def test_l12_the_default_cost_is_scrypt_n_2_17_r_8_p_1():
    """OWASP's current minimum for scrypt (the review found N = 2^14)."""
    stored = hash_password("pw")
    assert stored.startswith("scrypt$131072$8$1$") and verify_password("pw", stored)


def test_l12_an_old_hash_is_rehashed_at_the_current_cost_when_its_password_is_right(tmp_path):
    db = tmp_path / "auth.sqlite"
    Store(db, password_cost=CHEAP).add_user("ann", "pw")
    store = Store(db)                               # the default cost
    assert not store.check_password("ann", "wrong")
    assert stored_hash(db, "ann").startswith("scrypt$16384$")   # a wrong password changes nothing
    assert store.check_password("ann", "pw")
    assert stored_hash(db, "ann").startswith("scrypt$131072$8$1$")
    assert store.check_password("ann", "pw") and not store.check_password("ann", "wrong")
    Store(db, password_cost=CHEAP).check_password("ann", "pw")  # never lowered again
    assert stored_hash(db, "ann").startswith("scrypt$131072$")


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


def test_failed_logins_are_counted_per_address_per_name_and_per_pair_in_a_window(store, clock):
    for _ in range(3):
        store.begin_attempt("ann", "10.0.0.1", 300)
    store.begin_attempt("bob", "10.0.0.1", 300)
    _, seen = store.begin_attempt("ann", "10.0.0.2", 300)
    assert (seen.from_address, seen.for_pair, seen.for_name) == (0, 0, 3)
    _, seen = store.begin_attempt("ann", "10.0.0.1", 300)
    assert (seen.from_address, seen.for_pair, seen.for_name) == (4, 3, 4)
    assert seen.last_for_name == clock.now and not seen.known_address
    clock.now += 301
    _, seen = store.begin_attempt("ann", "10.0.0.1", 300)
    assert (seen.from_address, seen.for_pair, seen.for_name) == (0, 0, 0)


def test_a_refused_attempt_is_not_counted_and_a_login_clears_its_pair_and_knows_the_address(store):
    attempt, _ = store.begin_attempt("ann", "10.0.0.1", 300)
    store.forget_attempt(attempt)
    store.begin_attempt("ann", "10.0.0.2", 300)                # someone else's failure
    store.begin_attempt("ann", "10.0.0.1", 300)
    attempt, seen = store.begin_attempt("ann", "10.0.0.1", 300)
    assert (seen.for_pair, seen.for_name) == (1, 2)
    store.login_succeeded(attempt, "ann", "10.0.0.1")
    _, seen = store.begin_attempt("ann", "10.0.0.1", 300)
    assert (seen.for_pair, seen.for_name) == (0, 1) and seen.known_address


def test_l1_no_address_can_lock_an_account_out_of_the_others(store, clock):
    """Before the fix, max_failures wrong passwords for a name from anywhere locked the name
    everywhere for the whole window, the right password included."""
    from pycopia_www.auth.throttle import wait
    from pycopia_www.config.site import AuthSettings
    settings = AuthSettings("auth", 1800, 3600, max_failures=3, max_failures_per_address=20,
                            failure_window=300, backoff_max=60)

    def attempt(address):
        attempt_id, seen = store.begin_attempt("ann", address, settings.failure_window)
        pause = wait(seen, settings, clock.now)
        if pause:
            store.forget_attempt(attempt_id)
        return attempt_id, pause

    attempt_id, _ = attempt("10.0.0.7")
    store.login_succeeded(attempt_id, "ann", "10.0.0.7")       # ann's own machine
    for _ in range(3):
        assert attempt("10.6.6.6")[1] == 0                       # the attacker's guesses
    assert attempt("10.6.6.6")[1] == 300                         # that address, that name: done
    assert attempt("10.6.6.7")[1] == 1                           # the name backs off elsewhere...
    attempt_id, pause = attempt("10.0.0.7")
    assert pause == 0                                            # ...but not where ann logs in
    store.login_succeeded(attempt_id, "ann", "10.0.0.7")
    clock.now += 1
    assert attempt("10.6.6.7")[1] == 0                           # one more guess, after a pause
    pause = attempt("10.0.0.8")[1]
    assert pause == 2                                            # the pause doubles...
    for i, expected in enumerate((4, 8, 16, 32, 60, 60)):
        clock.now += pause
        assert attempt(f"10.6.8.{i}")[1] == 0                    # a guess as soon as allowed
        pause = attempt("10.0.0.8")[1]                           # what a newcomer waits
        assert pause == expected                                 # ...up to backoff_max
    clock.now += pause
    assert attempt("10.0.0.8")[1] == 0                           # a wait, never a lock


def test_first_admin_takes_admin_password_or_prints_a_generated_one(tmp_path):
    """usercmd as websitectl setup runs it (in the auth backend's state directory)."""
    import subprocess
    import sys

    def first_admin(directory, stdin):
        directory.mkdir()
        return subprocess.run([sys.executable, "-m", "pycopia_www.auth.usercmd",
                               "--password-cost", str(CHEAP), "first-admin"],
                              cwd=directory, input=stdin, capture_output=True, text=True, check=True).stdout
    out = first_admin(tmp_path / "a", "from-env\n")
    assert "with the password from ADMIN_PASSWORD" in out and "from-env" not in out
    assert Store(tmp_path / "a" / "auth.sqlite", password_cost=CHEAP).check_password("admin", "from-env")
    out = first_admin(tmp_path / "b", "\n")
    generated = out.split("with password: ")[1].split()[0]
    store = Store(tmp_path / "b" / "auth.sqlite", password_cost=CHEAP)
    assert store.check_password("admin", generated) and store.list_users()[0][1] == {"admin"}


def test_l12_config_and_passwords_agree_on_the_cost():
    from pycopia_www.auth import passwords
    from pycopia_www.config import site
    assert site.PASSWORD_COST_DEFAULT == passwords.DEFAULT_COST
    assert (site.PASSWORD_COSTS.start, site.PASSWORD_COSTS.stop - 1) == (passwords.MIN_COST,
                                                                        passwords.MAX_COST)


def test_a_forked_process_uses_a_connection_of_its_own(tmp_path):
    """A store made before a fork (a prefork master) must not share its connection: the child
    opens its own, and both see each other's writes."""
    import os
    store = Store(tmp_path / "auth.sqlite", password_cost=CHEAP)
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
