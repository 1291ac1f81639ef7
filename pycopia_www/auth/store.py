"""Users, sessions and failed logins, in one SQLite file in the auth backend's state directory.

Three fixed tables and a dozen fixed statements, through the standard library's sqlite3: the auth
backend answers lighttpd's question for every request to a protected backend, and SQLAlchemy
would cost it 24 MB of memory idle and half its speed (docs/performance.md, "Footprint").

A session is known to the client only by its token (the cookie: 256 random bits); the store keeps
the token's SHA-256, so a copy of the database opens no session. Each session also has a public
id, which is what other backends see (PWWW_SESSION) and what the CSRF token is derived from.
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

from .passwords import hash_password, verify_password

USER_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}$")
ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
TOUCH_EVERY = 30.0              # seconds: how stale last_seen may get (fewer writes per request)

# The tables and columns the SQLAlchemy version of this store made, so an existing file opens.
SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name VARCHAR NOT NULL PRIMARY KEY, password VARCHAR NOT NULL, roles VARCHAR NOT NULL,
    created FLOAT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id VARCHAR NOT NULL PRIMARY KEY,                -- public
    token_hash VARCHAR NOT NULL UNIQUE,
    user VARCHAR NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created FLOAT NOT NULL, last_seen FLOAT NOT NULL);
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER NOT NULL PRIMARY KEY,
    kind VARCHAR NOT NULL,                          -- "user" or "address"
    key VARCHAR NOT NULL, at FLOAT NOT NULL);
CREATE INDEX IF NOT EXISTS failures_kind_key ON failures (kind, key);
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
    def __init__(self, path: Path, *, clock=time.time):
        self.path = Path(path)
        self.clock = clock
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
        """Statements that must happen together: the write lock is taken at the start (so a
        transaction never fails half way for a lock another took meanwhile)."""
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
                      (name, hash_password(password), ",".join(sorted(check_roles(roles))),
                       self.clock()))
        except sqlite3.IntegrityError:
            raise UserError(f"user {name!r} exists") from None

    def remove_user(self, name: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))
            if not db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount:
                raise UserError(f"no user {name!r}")

    def set_password(self, name: str, password: str) -> None:
        """Also ends every session of the user: whoever knew the old password is out."""
        with self._write() as db:
            if not db.execute("UPDATE users SET password = ? WHERE name = ?",
                              (hash_password(password), name)).rowcount:
                raise UserError(f"no user {name!r}")
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))

    def set_roles(self, name: str, roles) -> None:
        if not self._run("UPDATE users SET roles = ? WHERE name = ?",
                         (",".join(sorted(check_roles(roles))), name)).rowcount:
            raise UserError(f"no user {name!r}")

    def list_users(self) -> list[tuple[str, frozenset[str], int]]:
        """(name, roles, open sessions) per user, by name."""
        rows = self._run("SELECT name, roles, (SELECT count(*) FROM sessions "
                         "WHERE sessions.user = users.name) FROM users ORDER BY name")
        return [(n, _roles(r), c) for n, r, c in rows]

    def has_users(self) -> bool:
        return self._run("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def check_password(self, name: str, password: str) -> bool:
        row = self._run("SELECT password FROM users WHERE name = ?", (name,)).fetchone()
        return verify_password(password, row[0] if row else None)

    # -- sessions -----------------------------------------------------------------------------

    def create_session(self, name: str) -> tuple[str, str]:
        """A new session: (cookie token, public id)."""
        token, sid, now = secrets.token_urlsafe(32), secrets.token_urlsafe(16), self.clock()
        self._run("INSERT INTO sessions (id, token_hash, user, created, last_seen) "
                  "VALUES (?, ?, ?, ?, ?)", (sid, token_hash(token), name, now, now))
        return token, sid

    def session(self, token: str, idle_timeout: float, max_age: float) -> Session | None:
        """The live session for a cookie token, or None. An expired one is removed; a live one
        has its idle clock restarted."""
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
        if now - last_seen > min(TOUCH_EVERY, idle_timeout / 10):
            self._run("UPDATE sessions SET last_seen = ? WHERE id = ?", (now, sid))
        return Session(sid, user, _roles(roles), created, now)

    def end_session(self, token: str) -> None:
        self._run("DELETE FROM sessions WHERE token_hash = ?", (token_hash(token),))

    def end_all_sessions(self, name: str) -> int:
        return self._run("DELETE FROM sessions WHERE user = ?", (name,)).rowcount

    # -- throttling ---------------------------------------------------------------------------

    def record_failure(self, name: str, address: str) -> None:
        now = self.clock()
        with self._write() as db:
            db.executemany("INSERT INTO failures (kind, key, at) VALUES (?, ?, ?)",
                           [("user", name, now), ("address", address, now)])

    def failures(self, kind: str, key: str, window: float) -> int:
        """Failed logins for this user name or client address within the last `window` seconds."""
        since = self.clock() - window
        self._run("DELETE FROM failures WHERE at < ?", (since,))
        return self._run("SELECT count(*) FROM failures WHERE kind = ? AND key = ? AND at >= ?",
                         (kind, key, since)).fetchone()[0]

    def clear_failures(self, name: str) -> None:
        self._run("DELETE FROM failures WHERE kind = 'user' AND key = ?", (name,))


def _roles(text: str) -> frozenset[str]:
    return frozenset(r for r in text.split(",") if r)
