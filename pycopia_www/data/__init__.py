"""SQL databases that belong to backends (docs/data.md).

  engine       Database: a backend's engine and sessions, made per process (after the fork)
  session      request.db: one session per request, the middleware hook build_app installs
  migrate      Alembic migrations, run as the backend's user (websitectl setup, websitectl db)
  cli          websitectl db BACKEND upgrade|current|history|revision: the root side
  schema       tables as clients see them: columns, kinds, value checks (for the API and forms)
  filters      the API's structured filter language, compiled to SQLAlchemy expressions
  permissions  TableAccess: who may read and write each table, hidden tables and columns
  api          DatabaseProxy: the database JSON API that JavaScript calls
  changes      after_commit(session, fn), and committed changes published as events

Nothing here is imported until used, and SQLAlchemy only by backends that declare a database:
`from pycopia_www.data import DatabaseProxy` loads what that name needs.
"""
import importlib

_EXPORTS = {"Database": "engine", "DatabaseProxy": "api", "TableAccess": "permissions",
            "ANYONE": "permissions", "LOGGED_IN": "permissions", "NOBODY": "permissions",
            "HIDDEN": "permissions", "FilterLimits": "filters", "Problem": "schema",
            "after_commit": "changes"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
