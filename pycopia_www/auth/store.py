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

from .passwords import DEFAULT_COST, hash_password, needs_rehash, verify_password
from .throttle import History

USER_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}$")
ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
TOUCH_EVERY = 30.0              # seconds: how stale last_seen may get (fewer writes per request)
KNOWN_FOR = 90 * 86400.0        # seconds an address a user logged in from stays known

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
# One row per login attempt whose password was not (yet) found right: written before the password
# is checked, so parallel attempts count each other.
failed_logins = Table("failed_logins", metadata,
                      Column("id", Integer, primary_key=True),
                      Column("name", String, nullable=False),
                      Column("address", String, nullable=False),
                      Column("at", Float, nullable=False),
                      Index("failed_logins_name", "name"),
                      Index("failed_logins_address", "address"))
# Where each user logged in from: no back-off there (throttle.py).
known_addresses = Table("known_addresses", metadata,
                        Column("name", String, primary_key=True),
                        Column("address", String, primary_key=True),
                        Column("last_login", Float, nullable=False))


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
    def __init__(self, path: Path, *, clock=time.time, password_cost: int = DEFAULT_COST):
        """password_cost: log2 of scrypt's N for new hashes; older hashes are raised to it."""
        self.path = Path(path)
        self.clock = clock
        self.password_cost = password_cost
        self.engine = create_engine(f"sqlite:///{self.path}")
        event.listen(self.engine, "connect", _sqlite_pragmas)
        with self.engine.begin() as db:
            db.exec_driver_sql("DROP TABLE IF EXISTS failures")   # the old per-name lock's counts
        metadata.create_all(self.engine)

    # -- users --------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, roles=()) -> None:
        check_name(name)
        with self.engine.begin() as db:
            if db.execute(select(users.c.name).where(users.c.name == name)).first():
                raise UserError(f"user {name!r} exists")
            db.execute(insert(users).values(name=name, password=self._hash(password),
                                            roles=",".join(sorted(check_roles(roles))),
                                            created=self.clock()))

    def remove_user(self, name: str) -> None:
        with self.engine.begin() as db:
            db.execute(delete(sessions).where(sessions.c.user == name))
            if not db.execute(delete(users).where(users.c.name == name)).rowcount:
                raise UserError(f"no user {name!r}")

    def set_password(self, name: str, password: str) -> None:
        """Also ends every session of the user: whoever knew the old password is out."""
        with self.engine.begin() as db:
            changed = db.execute(update(users).where(users.c.name == name)
                                 .values(password=self._hash(password))).rowcount
            if not changed:
                raise UserError(f"no user {name!r}")
            db.execute(delete(sessions).where(sessions.c.user == name))

    def set_roles(self, name: str, roles) -> None:
        with self.engine.begin() as db:
            if not db.execute(update(users).where(users.c.name == name)
                              .values(roles=",".join(sorted(check_roles(roles))))).rowcount:
                raise UserError(f"no user {name!r}")

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
        """Whether the password is right. A right one stored at less than the current cost is
        hashed again at that cost (only a login knows the password to do it)."""
        with self.engine.connect() as db:
            stored = db.execute(select(users.c.password).where(users.c.name == name)).scalar()
        if not verify_password(password, stored, self.password_cost):
            return False
        if needs_rehash(stored, self.password_cost):
            with self.engine.begin() as db:     # unless the password changed meanwhile
                db.execute(update(users).where(users.c.name == name, users.c.password == stored)
                           .values(password=self._hash(password)))
        return True

    def _hash(self, password: str) -> str:
        return hash_password(password, self.password_cost)

    # -- sessions -----------------------------------------------------------------------------

    def create_session(self, name: str) -> tuple[str, str]:
        """A new session: (cookie token, public id)."""
        token, sid, now = secrets.token_urlsafe(32), secrets.token_urlsafe(16), self.clock()
        with self.engine.begin() as db:
            db.execute(insert(sessions).values(id=sid, token_hash=token_hash(token), user=name,
                                               created=now, last_seen=now))
        return token, sid

    def session(self, token: str, idle_timeout: float, max_age: float) -> Session | None:
        """The live session for a cookie token, or None. An expired one is removed; a live one
        has its idle clock restarted."""
        now = self.clock()
        with self.engine.begin() as db:
            row = db.execute(select(sessions, users.c.roles).join(users, users.c.name == sessions.c.user)
                             .where(sessions.c.token_hash == token_hash(token))).first()
            if row is None:
                return None
            if now - row.last_seen > idle_timeout or now - row.created > max_age:
                db.execute(delete(sessions).where(sessions.c.id == row.id))
                return None
            if now - row.last_seen > min(TOUCH_EVERY, idle_timeout / 10):
                db.execute(update(sessions).where(sessions.c.id == row.id).values(last_seen=now))
            return Session(row.id, row.user, _roles(row.roles), row.created, now)

    def end_session(self, token: str) -> None:
        with self.engine.begin() as db:
            db.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))

    def end_all_sessions(self, name: str) -> int:
        with self.engine.begin() as db:
            return db.execute(delete(sessions).where(sessions.c.user == name)).rowcount

    # -- throttling (the policy is throttle.py's) -----------------------------------------------

    def begin_attempt(self, name: str, address: str, window: float) -> tuple[int, History]:
        """Record a login attempt as failed until proven otherwise, and what came before it within
        `window` seconds. One transaction that writes first: concurrent attempts are serialised
        and see each other. Returns the attempt's id, for forget_attempt or login_succeeded."""
        now = self.clock()
        since = now - window
        with self.engine.begin() as db:
            attempt = db.execute(insert(failed_logins).values(name=name, address=address, at=now)
                                 ).inserted_primary_key[0]
            db.execute(delete(failed_logins).where(failed_logins.c.at < since))
            db.execute(delete(known_addresses).where(known_addresses.c.last_login < now - KNOWN_FOR))
            earlier = (failed_logins.c.id != attempt, failed_logins.c.at >= since)

            def count(*where):
                return db.execute(select(func.count()).select_from(failed_logins)
                                  .where(*earlier, *where)).scalar()
            last = db.execute(select(func.max(failed_logins.c.at))
                              .where(*earlier, failed_logins.c.name == name)).scalar()
            known = db.execute(select(known_addresses.c.name).where(
                known_addresses.c.name == name, known_addresses.c.address == address)).first()
            return attempt, History(
                from_address=count(failed_logins.c.address == address),
                for_pair=count(failed_logins.c.name == name, failed_logins.c.address == address),
                for_name=count(failed_logins.c.name == name),
                last_for_name=last, known_address=known is not None)

    def forget_attempt(self, attempt: int) -> None:
        """An attempt refused before its password was checked: it counts for nothing."""
        with self.engine.begin() as db:
            db.execute(delete(failed_logins).where(failed_logins.c.id == attempt))

    def login_succeeded(self, attempt: int, name: str, address: str) -> None:
        """The attempt's password was right: it and the failures of this name from this address
        are forgotten (others' failures from elsewhere are not), and the address is known."""
        now = self.clock()
        with self.engine.begin() as db:
            db.execute(delete(failed_logins).where(
                (failed_logins.c.id == attempt) |
                ((failed_logins.c.name == name) & (failed_logins.c.address == address))))
            db.execute(delete(known_addresses).where(known_addresses.c.name == name,
                                                     known_addresses.c.address == address))
            db.execute(insert(known_addresses).values(name=name, address=address, last_login=now))


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
