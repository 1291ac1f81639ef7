"""A backend's schema: Alembic migrations (or, without any, the models' tables), always run as
the backend's own user in its state directory, so only that user ever opens its database.

    python -m pycopia_www.data.migrate FARM_FILE HOST.BACKEND upgrade|current|history|revision ...

`websitectl setup` and `websitectl start` upgrade every local backend's database to the newest
revision; `websitectl db BACKEND ...` runs the other actions (pycopia_www/data/cli.py runs this
module as the backend's user). All pending revisions run in one transaction: if one fails, the
database stays as it was, and the command says which revision failed and why.

Prints one JSON object on stdout: {"ok": true, ...} or {"ok": false, "error": "..."}.
"""
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect as sa_inspect

from ..config import DatabaseSettings
from ..web.handlers import resolve_dotted
from .engine import Database

ENVIRONMENT = Path(__file__).resolve().parent / "alembic"     # env.py and script.py.mako


class MigrationError(Exception):
    """A migration could not run; the message says which and why, and what state remains."""


def load_metadata(settings: DatabaseSettings) -> MetaData | None:
    if settings.models is None:
        return None
    target = resolve_dotted(settings.models)
    metadata = target if isinstance(target, MetaData) else getattr(target, "metadata", None)
    if not isinstance(metadata, MetaData):
        raise MigrationError(f"database_models {settings.models!r} is neither a MetaData nor a "
                             "declarative base")
    return metadata


class Schema:
    """The migrations of one database, on a private engine disposed of when done."""

    def __init__(self, settings: DatabaseSettings, workdir: Path | str | None = None):
        self.settings = settings
        self.database = Database(settings, workdir)

    def close(self) -> None:
        self.database.dispose()

    def _config(self, connection=None, extra_versions: Path | None = None) -> Config:
        config = Config()
        config.set_main_option("script_location", str(ENVIRONMENT))
        config.set_main_option("path_separator", "os")
        locations = [p for p in (self.settings.migrations, extra_versions) if p is not None]
        config.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
        config.attributes["connection"] = connection
        config.attributes["metadata"] = load_metadata(self.settings)
        return config

    @contextlib.contextmanager
    def _connection(self):
        with self.database.connect(write=True) as connection:
            if connection.dialect.name == "sqlite":
                # A table rebuilt by a batch migration must not cascade into its referrers;
                # env.py checks every foreign key before the transaction commits instead.
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
            yield connection

    def has_migrations(self) -> bool:
        m = self.settings.migrations
        return m is not None and m.is_dir() and any(m.glob("*.py"))

    def current(self) -> str | None:
        with self._connection() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head(self) -> str | None:
        return ScriptDirectory.from_config(self._config()).get_current_head()

    def history(self) -> list[dict]:
        script = ScriptDirectory.from_config(self._config())
        current = self.current()
        return [{"revision": s.revision, "down": s.down_revision, "message": s.doc,
                 "current": s.revision == current} for s in script.walk_revisions()]

    def upgrade(self, target: str = "head") -> dict:
        """Apply the pending revisions (or, with no migrations, create the models' missing
        tables). Returns what was done."""
        if not self.has_migrations():
            return self._create_tables()
        before = self.current()
        applied: list[str] = []
        with self._connection() as connection:
            config = self._config(connection)
            config.attributes["applied"] = applied
            try:
                command.upgrade(config, target)
            except Exception as exc:
                failed = self._next_after(applied[-1] if applied else before)
                raise MigrationError(
                    f"migration {failed or '?'} failed: {type(exc).__name__}: {exc}. Nothing was "
                    f"applied: the database is still at revision {before or '(empty)'}") from exc
        return {"before": before, "after": self.current(), "applied": applied}

    def _next_after(self, revision: str | None) -> str | None:
        script = ScriptDirectory.from_config(self._config())
        for s in script.walk_revisions():
            if s.down_revision == revision or (revision is None and s.down_revision is None):
                return f"{s.revision} ({s.doc})"
        return None

    def _create_tables(self) -> dict:
        metadata = load_metadata(self.settings)
        if metadata is None:
            return {"before": None, "after": None, "applied": []}
        with self._connection() as connection, connection.begin():
            existing = set(sa_inspect(connection).get_table_names())
            metadata.create_all(connection)
        made = [t.name for t in metadata.sorted_tables if t.name not in existing]
        return {"before": None, "after": None, "applied": [], "created": made}

    def revision(self, message: str, autogenerate: bool) -> tuple[str, str]:
        """Write a new revision script; returns (file name, text). Written to a scratch
        directory first: the caller puts it into the migrations directory, which belongs to the
        application's author, not to the backend's user."""
        if self.settings.migrations is None:
            raise MigrationError("no database_migrations directory is configured for this backend")
        with tempfile.TemporaryDirectory(prefix="pwww-revision-") as scratch, \
                self._connection() as connection:
            config = self._config(connection, extra_versions=Path(scratch))
            if autogenerate and config.attributes["metadata"] is None:
                raise MigrationError("--autogenerate compares with the models: set database_models")
            if autogenerate and self.current() != self.head():
                raise MigrationError("the database is not at the newest revision: upgrade it first")
            script = command.revision(config, message=message, autogenerate=autogenerate,
                                      version_path=scratch)
            path = Path(script.path)
            return path.name, path.read_text(encoding="utf-8")


def main(argv: list[str]) -> int:
    from ..config import load_site
    farm_file, ident, action, *rest = argv[1:]
    try:
        site = load_site(Path(farm_file))
        b = site.backend(ident)
        sys.path[:0] = site.import_paths(b)
        schema = Schema(b.database)
        try:
            if action == "upgrade":
                result = schema.upgrade(rest[0] if rest else "head")
            elif action == "current":
                result = {"current": schema.current(), "head": schema.head()}
            elif action == "history":
                result = {"history": schema.history()}
            elif action == "revision":
                name, text = schema.revision(rest[0], autogenerate="--autogenerate" in rest[1:])
                result = {"file": name, "text": text}
            else:
                raise MigrationError(f"unknown action {action!r}")
        finally:
            schema.close()
    except Exception as exc:
        message = str(exc) if isinstance(exc, MigrationError) else f"{type(exc).__name__}: {exc}"
        print(json.dumps({"ok": False, "error": message}))
        return 1
    print(json.dumps({"ok": True, **result}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
