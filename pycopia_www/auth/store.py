"""Users, sessions and failed logins, in one SQLite file in the auth backend's state directory.

A session is known to the client only by its token (the cookie: 256 random bits); the store keeps
the token's SHA-256, so a copy of the database opens no session. Each session also has a public
id, which is what other backends see (PWWW_SESSION) and what the CSRF token is derived from.

Four fixed tables and a handful of fixed statements, through the standard library's sqlite3:
the auth backend answers lighttpd's question before every request to a protected backend, and
SQLAlchemy cost it 25 MB of memory idle and much of its speed (docs/performance.md, "Footprint").
The tables are the ones the SQLAlchemy version made, so an existing file opens.
"""
import hashlib
import os
import re
import secrets
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .passwords import DEFAULT_COST, hash_password, needs_rehash, verify_password
from .throttle import History

USER_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}$")
ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
TOUCH_EVERY = 30.0              # seconds: how stale last_seen may get (fewer writes per request)
KNOWN_FOR = 90 * 86400.0        # seconds an address a user logged in from stays known

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name VARCHAR NOT NULL PRIMARY KEY, password VARCHAR NOT NULL, roles VARCHAR NOT NULL,
    created FLOAT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id VARCHAR NOT NULL PRIMARY KEY,                -- public
    token_hash VARCHAR NOT NULL UNIQUE,
    user VARCHAR NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created FLOAT NOT NULL, last_seen FLOAT NOT NULL);
-- One row per login attempt whose password was not (yet) found right: written before the
-- password is checked, so parallel attempts count each other.
CREATE TABLE IF NOT EXISTS failed_logins (
    id INTEGER NOT NULL PRIMARY KEY, name VARCHAR NOT NULL, address VARCHAR NOT NULL,
    at FLOAT NOT NULL);
CREATE INDEX IF NOT EXISTS failed_logins_name ON failed_logins (name);
CREATE INDEX IF NOT EXISTS failed_logins_address ON failed_logins (address);
-- Where each user logged in from: no back-off there (throttle.py).
CREATE TABLE IF NOT EXISTS known_addresses (
    name VARCHAR NOT NULL, address VARCHAR NOT NULL, last_login FLOAT NOT NULL,
    PRIMARY KEY (name, address));
DROP TABLE IF EXISTS failures;                      -- the old per-name lock's counts
"""


class UserError(ValueError):
    """A user command that cannot be done (unknown user, bad name): the message says why."""


@dataclass(frozen=True)
class Session:
    id: str
    user: str
    roles: frozenset[str]
    created: float
    last_seen: float


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    if not USER_NAME.match(name or ""):
        raise UserError(f"{name!r} is not a user name (lower case letters, digits, '_.-')")
    return name


def check_roles(roles) -> frozenset[str]:
    roles = frozenset(r.strip() for r in roles if r.strip())
    for role in roles:
        if not ROLE.match(role):
            raise UserError(f"{role!r} is not a role name (lower case letters, digits, '-', '_')")
    return roles


class Store:
    """`on_change(user, session_id)` is called after a change that ends or alters sessions: of
    one session, or of every session of the user (session_id None). The auth backend passes
    events.reauthorize, so open event streams of those sessions end at once."""

    def __init__(self, path: Path, *, clock=time.time, password_cost: int = DEFAULT_COST,
                 on_change=None):
        """password_cost: log2 of scrypt's N for new hashes; older hashes are raised to it."""
        self.path = Path(path)
        self.clock = clock
        self.password_cost = password_cost
        self.on_change = on_change or (lambda user, session_id: None)
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._connection().executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        """This process's connection (a forked child opens its own: one is never shared)."""
        if self._db is None or self._pid != os.getpid():
            # Autocommit (isolation_level None): each statement alone is atomic; _write() groups
            # several. Several prefork workers share the file: WAL lets readers and one writer
            # overlap, and a writer waits up to 5 s for the lock instead of failing.
            self._db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._pid = os.getpid()
        return self._db

    def _run(self, sql: str, args=()) -> sqlite3.Cursor:
        return self._connection().execute(sql, args)

    @contextmanager
    def _write(self):
        """Statements that must happen together: the write lock is taken at the start, so that
        concurrent ones are serialised and none fails half way for a lock another took."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- users --------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, roles=()) -> None:
        check_name(name)
        try:
            self._run("INSERT INTO users (name, password, roles, created) VALUES (?, ?, ?, ?)",
                      (name, self._hash(password), ",".join(sorted(check_roles(roles))),
                       self.clock()))
        except sqlite3.IntegrityError:
            raise UserError(f"user {name!r} exists") from None

    def remove_user(self, name: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))
            if not db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount:
                raise UserError(f"no user {name!r}")
        self.on_change(name, None)

    def set_password(self, name: str, password: str) -> None:
        """Also ends every session of the user: whoever knew the old password is out."""
        with self._write() as db:
            if not db.execute("UPDATE users SET password = ? WHERE name = ?",
                              (self._hash(password), name)).rowcount:
                raise UserError(f"no user {name!r}")
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))
        self.on_change(name, None)

    def set_roles(self, name: str, roles) -> None:
        if not self._run("UPDATE users SET roles = ? WHERE name = ?",
                         (",".join(sorted(check_roles(roles))), name)).rowcount:
            raise UserError(f"no user {name!r}")
        self.on_change(name, None)

    def list_users(self) -> list[tuple[str, frozenset[str], int]]:
        """(name, roles, open sessions) per user, by name."""
        rows = self._run("SELECT name, roles, (SELECT count(*) FROM sessions "
                         "WHERE sessions.user = users.name) FROM users ORDER BY name")
        return [(n, _roles(r), c) for n, r, c in rows]

    def has_users(self) -> bool:
        return self._run("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def check_password(self, name: str, password: str) -> bool:
        """Whether the password is right. A right one stored at less than the current cost is
        hashed again at that cost (only a login knows the password to do it)."""
        row = self._run("SELECT password FROM users WHERE name = ?", (name,)).fetchone()
        stored = row[0] if row else None
        if not verify_password(password, stored, self.password_cost):
            return False
        if needs_rehash(stored, self.password_cost):      # unless it changed meanwhile
            self._run("UPDATE users SET password = ? WHERE name = ? AND password = ?",
                      (self._hash(password), name, stored))
        return True

    def _hash(self, password: str) -> str:
        return hash_password(password, self.password_cost)

    # -- sessions -----------------------------------------------------------------------------

    def create_session(self, name: str) -> tuple[str, str]:
        """A new session: (cookie token, public id)."""
        token, sid, now = secrets.token_urlsafe(32), secrets.token_urlsafe(16), self.clock()
        self._run("INSERT INTO sessions (id, token_hash, user, created, last_seen) "
                  "VALUES (?, ?, ?, ?, ?)", (sid, token_hash(token), name, now, now))
        return token, sid

    def session(self, token: str, idle_timeout: float, max_age: float, *,
                touch: bool = True) -> Session | None:
        """The live session for a cookie token, or None. An expired one is removed; a live one
        has its idle clock restarted, unless `touch` is false (a request that is no sign of a
        person, such as an event stream reconnecting)."""
        now = self.clock()
        row = self._run("SELECT sessions.id, sessions.user, sessions.created, sessions.last_seen, "
                        "users.roles FROM sessions JOIN users ON users.name = sessions.user "
                        "WHERE sessions.token_hash = ?", (token_hash(token),)).fetchone()
        if row is None:
            return None
        sid, user, created, last_seen, roles = row
        if now - last_seen > idle_timeout or now - created > max_age:
            self._run("DELETE FROM sessions WHERE id = ?", (sid,))
            return None
        if not touch:
            return Session(sid, user, _roles(roles), created, last_seen)
        if now - last_seen > min(TOUCH_EVERY, idle_timeout / 10):
            self._run("UPDATE sessions SET last_seen = ? WHERE id = ?", (now, sid))
        return Session(sid, user, _roles(roles), created, now)

    def end_session(self, token: str) -> None:
        row = self._run("DELETE FROM sessions WHERE token_hash = ? RETURNING user, id",
                        (token_hash(token),)).fetchone()
        if row is not None:
            self.on_change(*row)

    def end_all_sessions(self, name: str) -> int:
        ended = self._run("DELETE FROM sessions WHERE user = ?", (name,)).rowcount
        self.on_change(name, None)
        return ended

    # -- throttling (the policy is throttle.py's) -----------------------------------------------

    def begin_attempt(self, name: str, address: str, window: float) -> tuple[int, History]:
        """Record a login attempt as failed until proven otherwise, and what came before it within
        `window` seconds. One transaction that writes first: concurrent attempts are serialised
        and see each other. Returns the attempt's id, for forget_attempt or login_succeeded."""
        now = self.clock()
        since = now - window
        with self._write() as db:
            attempt = db.execute("INSERT INTO failed_logins (name, address, at) VALUES (?, ?, ?)",
                                 (name, address, now)).lastrowid
            db.execute("DELETE FROM failed_logins WHERE at < ?", (since,))
            db.execute("DELETE FROM known_addresses WHERE last_login < ?", (now - KNOWN_FOR,))
            earlier = "id != ? AND at >= ?"

            def one(sql, *args):
                return db.execute(sql, (attempt, since, *args)).fetchone()[0]
            return attempt, History(
                from_address=one(f"SELECT count(*) FROM failed_logins WHERE {earlier} AND address = ?",
                                 address),
                for_pair=one(f"SELECT count(*) FROM failed_logins WHERE {earlier} AND name = ? "
                             "AND address = ?", name, address),
                for_name=one(f"SELECT count(*) FROM failed_logins WHERE {earlier} AND name = ?", name),
                last_for_name=one(f"SELECT max(at) FROM failed_logins WHERE {earlier} AND name = ?",
                                  name),
                known_address=db.execute("SELECT 1 FROM known_addresses WHERE name = ? AND address = ?",
                                         (name, address)).fetchone() is not None)

    def forget_attempt(self, attempt: int) -> None:
        """An attempt refused before its password was checked: it counts for nothing."""
        self._run("DELETE FROM failed_logins WHERE id = ?", (attempt,))

    def login_succeeded(self, attempt: int, name: str, address: str) -> None:
        """The attempt's password was right: it and the failures of this name from this address
        are forgotten (others' failures from elsewhere are not), and the address is known."""
        with self._write() as db:
            db.execute("DELETE FROM failed_logins WHERE id = ? OR (name = ? AND address = ?)",
                       (attempt, name, address))
            db.execute("INSERT OR REPLACE INTO known_addresses (name, address, last_login) "
                       "VALUES (?, ?, ?)", (name, address, self.clock()))


def _roles(text: str) -> frozenset[str]:
    return frozenset(r for r in text.split(",") if r)
