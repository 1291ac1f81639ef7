"""A backend's database in one process: its engine and its sessions, made where they are used.

    database = Database(backend.database)       # cheap: nothing connects, no engine yet
    with database.session() as db: ...           # the engine is made now, for this process

An engine (and its pool of connections) belongs to one process. The farm builds a backend's
application before it forks its workers, so the engine is made on first use and made again
whenever the process id changes: a worker never touches a connection its parent opened.

SQLite is set up for several worker processes sharing one file: WAL (readers never wait for the
writer), a busy timeout (a writer waits for the other instead of failing), foreign keys enforced,
and transactions begun by SQLAlchemy rather than by the sqlite3 module, so that DDL is
transactional (a failed migration changes nothing) and savepoints work. A request that may write
(POST, ...) begins with BEGIN IMMEDIATE: it takes the write lock first and waits its turn,
instead of failing when another worker wrote after it had read. The file is created with mode
0600 (its -wal and -shm inherit that from it), owned by the backend's user.
"""
import logging
import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from ..config import DatabaseSettings

log = logging.getLogger("pycopia_www.data")

BUSY_TIMEOUT_MS = 10_000
WRITE = "pwww_write"            # execution option: this transaction will write


class DatabaseError(Exception):
    """The database cannot be opened as configured (its message says why)."""


class Database:
    def __init__(self, settings: DatabaseSettings, workdir: Path | str | None = None):
        """`workdir`: what a relative SQLite path is relative to (default: the working directory
        at first use, which in a backend is its state directory)."""
        self.settings = settings
        self.workdir = workdir
        # One session class per database, made once: it is the target for session events
        # (Database.on_commit, and any `event.listen(database.sessions, ...)`), in every process.
        self.sessions = sessionmaker(expire_on_commit=False)
        self._pid = None
        self._engine: Engine | None = None
        self._writer: Engine | None = None

    # -- per process ---------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._pid != os.getpid():
            self._open()
        return self._engine

    def _open(self) -> None:
        if self._engine is not None:
            # Inherited from the parent: its connections are the parent's, leave them be.
            self._engine.dispose(close=False)
        s = self.settings
        if s.is_sqlite:
            engine = _sqlite_engine(s.sqlite_path(Path(self.workdir or os.getcwd())))
        else:
            url = make_url(s.url)
            if s.password_file is not None:
                url = url.set(password=read_password(s.password_file))
            # One request at a time per worker: one connection, a spare for a nested session.
            engine = create_engine(url, pool_size=1, max_overflow=2, pool_pre_ping=True)
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE: True}) if s.is_sqlite else engine
        self._pid = os.getpid()

    def session(self, *, write: bool = True) -> Session:
        """A new Session (it connects on first use). `write=False` for requests that only read."""
        engine = self.engine
        return self.sessions(bind=self._writer if write else engine)

    def connect(self, *, write: bool = True):
        """A Connection of this process's engine (for migrations and scripts)."""
        engine = self.engine
        return (self._writer if write else engine).connect()

    def dispose(self) -> None:
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()
        self._engine = self._writer = self._pid = None

    def on_commit(self, callback) -> None:
        """Call callback(session) after every successful commit of this database's sessions
        (the hook point for publishing changes; see pycopia_www.data.changes)."""
        event.listen(self.sessions, "after_commit", callback)


def read_password(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError) as exc:
        raise DatabaseError(f"cannot read the database password from {path}: "
                            f"{getattr(exc, 'strerror', None) or 'empty or not text'}") from None


def _sqlite_engine(path: Path) -> Engine:
    _create_private(path)
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _create_private(path: Path) -> None:
    """The database file, readable and writable by this process's user only."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise DatabaseError(f"cannot open the database {path} as uid {os.getuid()}: "
                            f"{exc.strerror}") from None
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _sqlite_connect(dbapi_connection, record) -> None:
    # The sqlite3 module would otherwise BEGIN by itself, and only before DML (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", f"busy_timeout={BUSY_TIMEOUT_MS}", "foreign_keys=ON",
                   "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection) -> None:
    immediate = connection.get_execution_options().get(WRITE, False)
    # Straight to the driver: a statement through SQLAlchemy's execution path costs more than
    # the query of a small page.
    connection.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
