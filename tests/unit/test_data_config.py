"""A backend's `database` keys: what is accepted, and the file, key and problem of what is not.
The password file's owner and mode are checked before anything starts (check_databases)."""
import os
import pwd

import pytest

from pycopia_www.config import ConfigError, load_site
from pycopia_www.data.cli import check_databases

from test_config import GOOD_HOST, error, make


def host(*lines: str) -> str:
    return GOOD_HOST + "".join(f"    {line}\n" for line in lines)


def test_sqlite_and_postgresql_urls(tmp_path):
    site = load_site(make(tmp_path, a=host('database = "sqlite:///hosts.db"',
                                           'database_models = "handlers.db.models:Base"',
                                           'database_migrations = "handlers/db/migrations"')))
    d = site.backends[0].database
    assert d.is_sqlite and d.sqlite_path(tmp_path / "state") == tmp_path / "state" / "hosts.db"
    assert d.models == "handlers.db.models:Base"
    assert d.migrations == tmp_path / "handlers" / "db" / "migrations"      # from the site root


def test_postgresql_with_a_password_file(tmp_path):
    site = load_site(make(tmp_path / "s", a=host(
        'database = "postgresql+psycopg://pwww_db@/appliance?host=/run/postgresql"',
        'database_password_file = "etc/db.password"')))
    d = site.backends[0].database
    assert d.dialect == "postgresql" and not d.is_sqlite
    assert d.password_file == tmp_path / "s" / "etc" / "db.password"


def test_no_database_by_default(tmp_path):
    assert load_site(make(tmp_path)).backends[0].database is None


BAD = [
    ('database = "hosts.db"', "database", "is not a database URL"),
    ('database = "postgresql://pwww:secret@localhost/app"', "database", "holds a password"),
    ('database = "postgresql://localhost"', "database", "names no database"),
    ('database = "sqlite://"', "database", "sqlite:///relative/file.db"),
    ('database = "sqlite:///:memory:"', "database", "in-memory"),
    ('database = "sqlite:///../other/x.db"', "database", "must not contain '..'"),
    ('database = "sqlite:///x.db?timeout=1"', "database", "takes no options"),
    ('database = 5', "database", "must be a string"),
    ('database_models = "x.models:Base"', "database_models", "needs `database`"),
    ('database = "sqlite:///x.db"\n    database_models = "x.models"', "database_models",
     "pkg.module:attribute"),
    ('database = "sqlite:///x.db"\n    database_password_file = "pw"', "database_password_file",
     "has no password"),
    ('database = "sqlite:///x.db"\n    database_pasword_file = "pw"', "database_pasword_file",
     "unknown key"),
]


@pytest.mark.parametrize("line,key,words", BAD, ids=[b[2] for b in BAD])
def test_bad_database_settings(tmp_path, line, key, words):
    e = error(tmp_path, a=host(line))
    assert e.file.endswith("backends.d/a.toml") and e.key == f"backend[0].{key}", e
    assert words in e.problem, e


def password_site(tmp_path, mode: int):
    site = load_site(make(tmp_path, a=host('database = "postgresql+psycopg://u@/db"',
                                           'database_password_file = "pw"')))
    (tmp_path / "pw").write_text("secret\n")
    os.chmod(tmp_path / "pw", mode)
    return site


def test_a_private_password_file_passes(tmp_path):
    site = password_site(tmp_path, 0o600)
    if os.geteuid() == 0:           # then it must be the backend's user's, not root's
        with pytest.raises(ConfigError, match="owned by the backend's user"):
            check_databases(site)
        os.chown(tmp_path / "pw", pwd.getpwnam("nobody").pw_uid, -1)
    check_databases(site)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_password_file_others_may_read_is_refused(tmp_path, mode):
    with pytest.raises(ConfigError) as info:
        check_databases(password_site(tmp_path, mode))
    assert info.value.key == "backend[0].database_password_file"
    assert "owned by the backend's user" in info.value.problem or "chmod 600" in info.value.problem


def test_a_missing_password_file_is_refused(tmp_path):
    site = load_site(make(tmp_path, a=host('database = "postgresql+psycopg://u@/db"',
                                           'database_password_file = "nope"')))
    with pytest.raises(ConfigError, match="No such file"):
        check_databases(site)


def test_migrations_configured_but_none_written(tmp_path):
    site = load_site(make(tmp_path, a=host('database = "sqlite:///x.db"',
                                           'database_migrations = "migrations"')))
    with pytest.raises(ConfigError) as info:
        check_databases(site)
    assert info.value.key == "backend[0].database_migrations"
    assert "websitectl db a.ui revision --autogenerate" in info.value.problem
