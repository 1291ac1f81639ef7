"""Schemas and Alembic migrations (pycopia_www.data.migrate) on SQLite and a real PostgreSQL:
upgrading from nothing, a software update bringing a new revision, a failing revision that leaves
the database exactly as it was, autogenerate from the models, tables from the models when there
are no migrations, and SQLite table rebuilds under foreign keys."""
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from pycopia_www.config import DatabaseSettings
from pycopia_www.data.migrate import MigrationError, Schema

APPS = Path(__file__).resolve().parents[1] / "apps"

REVISIONS = {
    "a1_things": ("a1", None, """
        op.create_table("things", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("name", sa.String(40), nullable=False, unique=True))
        op.create_table("parts", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("thing_id", sa.Integer, sa.ForeignKey("things.id"), nullable=False))
        op.execute("INSERT INTO things (id, name) VALUES (1, 'first')")
        op.execute("INSERT INTO parts (id, thing_id) VALUES (1, 1)")
        """),
    "b2_size": ("b2", "a1", """
        op.add_column("things", sa.Column("size", sa.Integer, nullable=True))
        # A table rebuild on SQLite (batch), while parts refers to things.
        with op.batch_alter_table("things") as batch:
            batch.alter_column("name", type_=sa.String(80), existing_nullable=False)
        op.execute("UPDATE things SET size = 7")
        """),
    "c3_broken": ("c3", "b2", """
        op.create_table("more", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("UPDATE things SET size = 8")
        op.execute("INSERT INTO no_such_table VALUES (1)")
        """),
}


def write_revision(directory: Path, name: str) -> None:
    rev, down, body = REVISIONS[name]
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.py").write_text(
        f'"""{name}"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade():\n{textwrap.indent(textwrap.dedent(body).strip(), '    ')}\n\n\n"
        "def downgrade():\n    pass\n")


@pytest.fixture
def settings(database, tmp_path, monkeypatch):
    """Settings for the test database with a migrations directory (empty at first)."""
    url, password = database
    secret = None
    if password:
        secret = tmp_path / "pw"
        secret.write_text(password)
        secret.chmod(0o600)
    monkeypatch.syspath_prepend(str(APPS))
    return DatabaseSettings(url, secret, "hostsdb.models:Base", tmp_path / "migrations")


@pytest.fixture
def schema(settings, tmp_path):
    s = Schema(settings, tmp_path)
    yield s
    s.close()


def tables(schema) -> set[str]:
    with schema.database.connect() as c:
        return set(inspect(c).get_table_names())


def scalar(schema, sql):
    with schema.database.connect() as c:
        return c.scalar(text(sql))


def test_upgrade_from_nothing_then_a_software_update(schema, settings):
    write_revision(settings.migrations, "a1_things")
    done = schema.upgrade()
    assert done["before"] is None and done["after"] == "a1" and done["applied"] == ["a1"]
    assert {"things", "parts", "alembic_version"} <= tables(schema)
    assert schema.upgrade()["applied"] == []                        # nothing pending: nothing done
    write_revision(settings.migrations, "b2_size")                 # the new release's revision
    done = schema.upgrade()
    assert done["before"] == "a1" and done["applied"] == ["b2"] and schema.current() == "b2"
    assert scalar(schema, "SELECT size FROM things WHERE name = 'first'") == 7    # data kept
    assert scalar(schema, "SELECT count(*) FROM parts") == 1
    assert [h["revision"] for h in schema.history()] == ["b2", "a1"]


def test_a_failing_revision_leaves_the_database_as_it_was(schema, settings):
    write_revision(settings.migrations, "a1_things")
    schema.upgrade()
    write_revision(settings.migrations, "b2_size")
    write_revision(settings.migrations, "c3_broken")
    with pytest.raises(MigrationError) as failed:
        schema.upgrade()                                            # b2 and c3 in one transaction
    message = str(failed.value)
    assert "c3 (c3_broken) failed" in message and "still at revision a1" in message
    assert schema.current() == "a1"
    assert "more" not in tables(schema)
    with schema.database.connect() as c:
        columns = {col["name"] for col in inspect(c).get_columns("things")}
    assert "size" not in columns                                    # b2 is undone too
    (settings.migrations / "c3_broken.py").unlink()                # fixed in the next release
    assert schema.upgrade()["applied"] == ["b2"]


def test_autogenerate_writes_the_models_tables(schema, settings):
    name, script = schema.revision("first", autogenerate=True)
    assert name.endswith("_first.py") and "op.create_table('hosts'" in script
    assert "sa.ForeignKeyConstraint(['group_id'], ['groups.id']" in script
    settings.migrations.mkdir()
    (settings.migrations / name).write_text(script)
    schema.upgrade()
    assert {"hosts", "groups", "events", "audit"} <= tables(schema)
    _, again = schema.revision("nothing new", autogenerate=True)
    assert "op.create_table" not in again and "pass" in again


def test_without_migrations_the_models_tables_are_created(tmp_path, settings):
    plain = DatabaseSettings(settings.url, settings.password_file, settings.models, None)
    s = Schema(plain, tmp_path)
    try:
        assert set(s.upgrade()["created"]) == {"groups", "hosts", "events", "audit"}
        assert s.upgrade()["created"] == []
    finally:
        s.close()


def test_revision_needs_a_migrations_directory(tmp_path, settings):
    s = Schema(DatabaseSettings(settings.url, settings.password_file, settings.models, None), tmp_path)
    try:
        with pytest.raises(MigrationError, match="no database_migrations"):
            s.revision("x", autogenerate=True)
    finally:
        s.close()
