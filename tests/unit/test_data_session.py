"""request.db, one session per request, on SQLite and a real PostgreSQL: committed after a normal
answer, rolled back after an exception or an error answer, integrity errors answered 409 whether
the handler's flush or the final commit finds them; proxy methods taking `db`; engines made per
process (after a fork); SQLite's settings and file modes; concurrent writers."""
import io
import json
import os
import stat
import sys
import subprocess
from pathlib import Path

import pytest

from datasite import IDENT, PROXY, write_site
from pycopia_www.config import DatabaseSettings
from pycopia_www.testing import Client

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(database, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url, password = database
    return Client.for_backend(write_site(tmp_path, url, password), IDENT)


def groups(client) -> int:
    return client.get("/count").json()["groups"]


def test_a_normal_answer_is_committed(client):
    r = client.post("/hosts", json={"name": "web1"})
    assert r.status == 200 and r.json()["id"] >= 1
    assert client.get("/hosts").json() == {"hosts": ["web1"]}


def test_an_exception_rolls_back(client):
    assert client.get("/fail").status == 500
    assert groups(client) == 0


def test_an_error_answer_rolls_back(client):
    r = client.get("/refuse")
    assert r.status == 400 and "refused after writing" in r.text
    assert groups(client) == 0


def test_an_integrity_error_in_the_handler_is_409_not_500(client):
    r = client.get("/duplicate-flush")
    assert r.status == 409 and "conflicts with what is stored" in r.text
    assert "INSERT" not in r.text and "Traceback" not in r.text
    assert groups(client) == 0


def test_an_integrity_error_at_commit_is_409(client):
    assert client.get("/duplicate-commit?name=lab").status == 200
    r = client.get("/duplicate-commit?name=lab")
    assert r.status == 409 and "conflicts" in r.text
    assert groups(client) == 1


def rpc(client, method, params):
    r = client.post("/plain", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                    headers=PROXY)
    return r.json()


def test_proxy_methods_get_the_session_and_fail_alone(client):
    assert rpc(client, "add_group", ["a"])["result"] == "a"
    failed = rpc(client, "add_then_fail", ["b"])
    assert failed["error"]["code"] == -32000 and failed["error"]["data"]["type"] == "ValueError"
    conflict = rpc(client, "add_group", ["a"])
    assert conflict["error"]["code"] == -32009 and conflict["error"]["data"]["type"] == "Conflict"
    assert rpc(client, "groups", [])["result"] == ["a"]
    discovered = rpc(client, "rpc.discover", None)["result"]["methods"]
    params = {m["name"]: [p["name"] for p in m["params"]] for m in discovered}
    assert params["add_group"] == ["name"] and params["groups"] == []       # db is the server's


def test_db_parameter_without_a_database_is_an_error(tmp_path):
    from pycopia_www.proxy import Proxy
    from pycopia_www.web.request import Request
    proxy = Proxy({"count": lambda db: 1})
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "count"}).encode()
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/json",
               "CONTENT_LENGTH": str(len(body)), "HTTP_X_REQUESTED_WITH": "pycopia-www",
               "wsgi.input": io.BytesIO(body), "SERVER_NAME": "t", "SERVER_PORT": "80",
               "wsgi.url_scheme": "http"}
    answer = json.loads(proxy(Request(environ)).body)
    assert answer["error"]["code"] == -32603 and "has no database" in answer["error"]["message"]


# ----- engines and SQLite -------------------------------------------------------------------

def sqlite_database(tmp_path):
    from pycopia_www.data import Database
    return Database(DatabaseSettings("sqlite:///t.db", None, None, None), tmp_path)


def test_engines_are_made_per_process(tmp_path):
    from sqlalchemy import text
    database = sqlite_database(tmp_path)
    with database.session() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.commit()
    parent_engine = database.engine
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                # the child: a worker after the fork
        try:
            with database.session() as s:
                s.execute(text("INSERT INTO t VALUES (1)"))
                s.commit()
            os.write(write, b"new" if database.engine is not parent_engine else b"shared")
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 10) == b"new"
    assert database.engine is parent_engine     # the parent keeps its own
    with database.session() as s:
        assert s.scalar(text("SELECT count(*) FROM t")) == 1


def test_after_commit_callbacks_see_only_commits(tmp_path):
    """The hook point for publishing changes: called after a commit, never after a rollback."""
    from sqlalchemy import text
    database = sqlite_database(tmp_path)
    seen = []
    database.on_commit(lambda session: seen.append(session.info.get("what")))
    with database.session() as s:
        s.info["what"] = "table"
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.commit()
    with database.session() as s:
        s.info["what"] = "undone"
        s.execute(text("INSERT INTO t VALUES (1)"))
        s.rollback()
    assert seen == ["table"]


def test_sqlite_settings_and_private_files(tmp_path):
    from sqlalchemy import text
    database = sqlite_database(tmp_path)
    with database.session() as s:
        assert s.scalar(text("PRAGMA journal_mode")) == "wal"
        assert s.scalar(text("PRAGMA foreign_keys")) == 1
        assert s.scalar(text("PRAGMA busy_timeout")) == 10_000
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.execute(text("INSERT INTO t VALUES (1)"))
        s.commit()
        files = sorted(p.name for p in tmp_path.iterdir())
        assert files == ["t.db", "t.db-shm", "t.db-wal"]
        for name in files:
            st = (tmp_path / name).stat()
            assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.getuid(), name
    # A file someone made readable is made private again when the backend opens it.
    database.dispose()
    os.chmod(tmp_path / "t.db", 0o644)
    with sqlite_database(tmp_path).session() as s:
        s.execute(text("SELECT 1"))
    assert stat.S_IMODE((tmp_path / "t.db").stat().st_mode) == 0o600


def test_a_failed_transaction_on_sqlite_undoes_ddl_too(tmp_path):
    """The sqlite3 module alone would have committed the CREATE TABLE by itself."""
    from sqlalchemy import text
    database = sqlite_database(tmp_path)
    with database.session() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.rollback()
        assert s.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 't'")) == 0


WRITER = """
import sys
from sqlalchemy import text
from pycopia_www.config import DatabaseSettings
from pycopia_www.data import Database
database = Database(DatabaseSettings("sqlite:///t.db", None, None, None), sys.argv[1])
for i in range(40):
    with database.session(write=True) as s:
        n = s.scalar(text("SELECT count(*) FROM t"))         # read, then write: the notes case
        s.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        s.commit()
"""


def test_concurrent_writers_all_keep_their_rows(tmp_path):
    from sqlalchemy import text
    database = sqlite_database(tmp_path)
    with database.session() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.commit()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], cwd=REPO,
                                stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for w in writers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
    with database.session() as s:
        assert s.scalar(text("SELECT count(*) FROM t")) == 120
        # Each read-then-write saw every earlier commit: no two wrote the same count.
        assert s.scalar(text("SELECT count(DISTINCT x) FROM t")) == 120


def test_backends_without_a_database_never_import_sqlalchemy():
    code = ("import sys; sys.path[:0] = ['demo']\n"
            "from pycopia_www.config import load_site\n"
            "from pycopia_www.web.app import build_app\n"
            "site = load_site('demo/etc/farm.toml')\n"
            "build_app(site, site.backend('appliance.ui'))\n"
            "print('sqlalchemy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
