"""Users, sessions and failed logins, in one SQLite file in the auth backend's state directory.

A session is known to the client only by its token (the cookie: 256 random bits); the store keeps
the token's SHA-256, so a copy of the database opens no session. Each session also has a public
id, which is what other backends see (PWWW_SESSION) and what the CSRF token is derived from.
"""
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (Column, Float, ForeignKey, Index, Integer, MetaData, String, Table,
                        create_engine, delete, event, func, insert, select, update)

from .passwords import hash_password, verify_password

USER_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}$")
ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
TOUCH_EVERY = 30.0              # seconds: how stale last_seen may get (fewer writes per request)

metadata = MetaData()
users = Table("users", metadata,
              Column("name", String, primary_key=True),
              Column("password", String, nullable=False),
              Column("roles", String, nullable=False, default=""),
              Column("created", Float, nullable=False))
sessions = Table("sessions", metadata,
                 Column("id", String, primary_key=True),            # public
                 Column("token_hash", String, nullable=False, unique=True),
                 Column("user", String, ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
                 Column("created", Float, nullable=False),
                 Column("last_seen", Float, nullable=False))
failures = Table("failures", metadata,
                 Column("id", Integer, primary_key=True),
                 Column("kind", String, nullable=False),            # "user" or "address"
                 Column("key", String, nullable=False),
                 Column("at", Float, nullable=False),
                 Index("failures_kind_key", "kind", "key"))


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

    def __init__(self, path: Path, *, clock=time.time, on_change=None):
        self.path = Path(path)
        self.clock = clock
        self.on_change = on_change or (lambda user, session_id: None)
        self.engine = create_engine(f"sqlite:///{self.path}")
        event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)

    # -- users --------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, roles=()) -> None:
        check_name(name)
        with self.engine.begin() as db:
            if db.execute(select(users.c.name).where(users.c.name == name)).first():
                raise UserError(f"user {name!r} exists")
            db.execute(insert(users).values(name=name, password=hash_password(password),
                                            roles=",".join(sorted(check_roles(roles))),
                                            created=self.clock()))

    def remove_user(self, name: str) -> None:
        with self.engine.begin() as db:
            db.execute(delete(sessions).where(sessions.c.user == name))
            if not db.execute(delete(users).where(users.c.name == name)).rowcount:
                raise UserError(f"no user {name!r}")
        self.on_change(name, None)

    def set_password(self, name: str, password: str) -> None:
        """Also ends every session of the user: whoever knew the old password is out."""
        with self.engine.begin() as db:
            changed = db.execute(update(users).where(users.c.name == name)
                                 .values(password=hash_password(password))).rowcount
            if not changed:
                raise UserError(f"no user {name!r}")
            db.execute(delete(sessions).where(sessions.c.user == name))
        self.on_change(name, None)

    def set_roles(self, name: str, roles) -> None:
        with self.engine.begin() as db:
            if not db.execute(update(users).where(users.c.name == name)
                              .values(roles=",".join(sorted(check_roles(roles))))).rowcount:
                raise UserError(f"no user {name!r}")
        self.on_change(name, None)

    def list_users(self) -> list[tuple[str, frozenset[str], int]]:
        """(name, roles, open sessions) per user, by name."""
        with self.engine.connect() as db:
            count = (select(func.count()).select_from(sessions)
                     .where(sessions.c.user == users.c.name).scalar_subquery())
            rows = db.execute(select(users.c.name, users.c.roles, count).order_by(users.c.name))
            return [(n, _roles(r), c) for n, r, c in rows]

    def has_users(self) -> bool:
        with self.engine.connect() as db:
            return db.execute(select(users.c.name).limit(1)).first() is not None

    def check_password(self, name: str, password: str) -> bool:
        with self.engine.connect() as db:
            stored = db.execute(select(users.c.password).where(users.c.name == name)).scalar()
        return verify_password(password, stored)

    # -- sessions -----------------------------------------------------------------------------

    def create_session(self, name: str) -> tuple[str, str]:
        """A new session: (cookie token, public id)."""
        token, sid, now = secrets.token_urlsafe(32), secrets.token_urlsafe(16), self.clock()
        with self.engine.begin() as db:
            db.execute(insert(sessions).values(id=sid, token_hash=token_hash(token), user=name,
                                               created=now, last_seen=now))
        return token, sid

    def session(self, token: str, idle_timeout: float, max_age: float, *,
                touch: bool = True) -> Session | None:
        """The live session for a cookie token, or None. An expired one is removed; a live one
        has its idle clock restarted, unless `touch` is false (a request that is no sign of a
        person, such as an event stream reconnecting)."""
        now = self.clock()
        with self.engine.begin() as db:
            row = db.execute(select(sessions, users.c.roles).join(users, users.c.name == sessions.c.user)
                             .where(sessions.c.token_hash == token_hash(token))).first()
            if row is None:
                return None
            if now - row.last_seen > idle_timeout or now - row.created > max_age:
                db.execute(delete(sessions).where(sessions.c.id == row.id))
                return None
            if not touch:
                return Session(row.id, row.user, _roles(row.roles), row.created, row.last_seen)
            if now - row.last_seen > min(TOUCH_EVERY, idle_timeout / 10):
                db.execute(update(sessions).where(sessions.c.id == row.id).values(last_seen=now))
            return Session(row.id, row.user, _roles(row.roles), row.created, now)

    def end_session(self, token: str) -> None:
        with self.engine.begin() as db:
            row = db.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token))
                             .returning(sessions.c.user, sessions.c.id)).first()
        if row is not None:
            self.on_change(row.user, row.id)

    def end_all_sessions(self, name: str) -> int:
        with self.engine.begin() as db:
            ended = db.execute(delete(sessions).where(sessions.c.user == name)).rowcount
        self.on_change(name, None)
        return ended

    # -- throttling ---------------------------------------------------------------------------

    def record_failure(self, name: str, address: str) -> None:
        with self.engine.begin() as db:
            now = self.clock()
            db.execute(insert(failures), [{"kind": "user", "key": name, "at": now},
                                          {"kind": "address", "key": address, "at": now}])

    def failures(self, kind: str, key: str, window: float) -> int:
        """Failed logins for this user name or client address within the last `window` seconds."""
        since = self.clock() - window
        with self.engine.begin() as db:
            db.execute(delete(failures).where(failures.c.at < since))
            return db.execute(select(func.count()).select_from(failures).where(
                failures.c.kind == kind, failures.c.key == key, failures.c.at >= since)).scalar()

    def clear_failures(self, name: str) -> None:
        with self.engine.begin() as db:
            db.execute(delete(failures).where(failures.c.kind == "user", failures.c.key == name))


def _roles(text: str) -> frozenset[str]:
    return frozenset(r for r in text.split(",") if r)


def _sqlite_pragmas(connection, _record) -> None:
    # Several prefork workers share the file: WAL lets readers and one writer overlap, and a
    # writer waits for the lock instead of failing.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
