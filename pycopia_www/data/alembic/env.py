"""Alembic's environment for a backend's database: run by pycopia_www.data.migrate, which hands
over the connection (as the backend's user) and the models' metadata. No alembic.ini: the
settings come from etc/backends.d (docs/data.md)."""
from alembic import context

config = context.config
if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against the database")

connection = config.attributes["connection"]
applied = config.attributes.get("applied", [])


def record(ctx, step, heads, run_args):
    applied.append(step.up_revision_id)


context.configure(
    connection=connection,
    target_metadata=config.attributes.get("metadata"),
    # Every pending revision in one transaction: if one fails, none is applied. SQLite's DDL is
    # transactional too, as pycopia_www.data.engine begins its transactions itself.
    transactional_ddl=True,
    transaction_per_migration=False,
    # SQLite alters a table by copying it: let autogenerate write batch operations for it.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    on_version_apply=record,
)
with context.begin_transaction():
    context.run_migrations()
    if connection.dialect.name == "sqlite":
        # Foreign keys are off while SQLite migrates (pycopia_www.data.migrate): check them all.
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration leaves rows whose foreign keys point nowhere: {broken[:5]}")
