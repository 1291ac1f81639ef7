"""A backend's database, as etc/backends.d declares it (docs/data.md):

    database = "sqlite:///hosts.db"             # relative: in the backend's state directory
    database = "postgresql+psycopg://pwww_db@/appliance?host=/run/postgresql"
    database_password_file = "/etc/pycopia-www/db.password"   # readable by the backend's user only
    database_models = "handlers.db.models:Base" # declarative base or MetaData (autogenerate, setup)
    database_migrations = "handlers/db/migrations"  # Alembic revisions, relative to the site root

Checked here without importing SQLAlchemy (the configuration is read by every process, and only
backends with a database should pay for it). A password never sits in the TOML: a URL holding
one is refused.
"""
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

_DIALECT = re.compile(r"^[a-z][a-z0-9]*(\+[a-z0-9_]+)?$")
KEYS = ("database", "database_password_file", "database_models", "database_migrations")


@dataclass(frozen=True)
class DatabaseSettings:
    url: str                        # as written: never with a password
    password_file: Path | None      # the password, for URLs that need one
    models: str | None              # "pkg.module:attr": a MetaData or a declarative base
    migrations: Path | None         # directory of Alembic revision scripts

    @property
    def dialect(self) -> str:
        return self.url.partition(":")[0].partition("+")[0]

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def sqlite_path(self, workdir: Path) -> Path:
        """The database file; a relative path is relative to `workdir` (the backend's working
        directory, which the farm makes its state directory)."""
        return Path(workdir) / _sqlite_file(self.url)


def _sqlite_file(url: str) -> str:
    return unquote(url.partition(":///")[2])


def check_url(url: str) -> str | None:
    """The problem with a database URL, or None."""
    scheme, sep, _ = url.partition("://")
    if not sep or not _DIALECT.match(scheme):
        return f"{url!r} is not a database URL (dialect[+driver]://...), e.g. sqlite:///data.db"
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError as exc:
        return f"{url!r} is not a valid URL: {exc}"
    if parts.password is not None:
        return "the URL holds a password: put it in database_password_file instead"
    if scheme.partition("+")[0] != "sqlite":
        if not parts.path.strip("/"):
            return f"{url!r} names no database (.../DATABASE at the end)"
        return None
    if parts.netloc or not url.startswith(f"{scheme}:///"):
        return "a SQLite URL is sqlite:///relative/file.db or sqlite:////absolute/file.db"
    if parts.query or parts.fragment:
        return "a SQLite URL takes no options (WAL, the busy timeout and foreign keys are set by the framework)"
    path = _sqlite_file(url)
    if not path or path == ":memory:":
        return "an in-memory SQLite database would be a different one in every worker: name a file"
    if ".." in Path(path).parts:
        return f"{path!r} must not contain '..'"
    return None


def load_database(f, root: Path) -> DatabaseSettings | None:
    """From a backend's Fields (the keys in KEYS); None when it declares no database."""
    url = f.get("database", str, None, check=check_url)
    password_file = f.get("database_password_file", str, None,
                          check=lambda v: None if v else "must not be empty")
    models = f.get("database_models", str, None, check=_check_models)
    migrations = f.get("database_migrations", str, None,
                       check=lambda v: None if v else "must not be empty")
    if url is None:
        for key, value in zip(KEYS[1:], (password_file, models, migrations)):
            if value is not None:
                raise f.error(key, "needs `database` (the database's URL)")
        return None
    settings = DatabaseSettings(url, (root / password_file).resolve() if password_file else None,
                                models, (root / migrations).resolve() if migrations else None)
    if settings.is_sqlite and password_file is not None:
        raise f.error("database_password_file", "a SQLite database has no password: "
                                                "its file's owner and mode protect it")
    return settings


def _check_models(value: str) -> str | None:
    if re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", value):
        return None
    return f"{value!r} is not pkg.module:attribute (a MetaData or a declarative base)"


def password_file_problem(path: Path, uid: int) -> str | None:
    """Why the password file cannot be trusted (None: fine): it must be a regular file owned by
    `uid` (the backend's user) that nobody else may read or write."""
    try:
        st = path.stat()
    except OSError as exc:
        return f"{path}: {exc.strerror}"
    if not path.is_file():
        return f"{path} is not a regular file"
    if st.st_uid != uid:
        return f"{path} must be owned by the backend's user (uid {uid}), not uid {st.st_uid}"
    if st.st_mode & 0o077:
        return f"{path} has mode {st.st_mode & 0o777:04o}: only its owner may read it (chmod 600)"
    return None

