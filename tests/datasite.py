"""A one-backend site around the test inventory (tests/apps/hostsdb) on a given database, for
the in-process data tests (pycopia_www.testing.Client)."""
import os
import textwrap
from pathlib import Path

APPS = Path(__file__).resolve().parent / "apps"
IDENT = "t.data"


def write_site(root: Path, url: str, password: str | None = None, *, migrations: Path | None = None,
               models: str | None = "hostsdb.models:Base") -> Path:
    """The farm file of a site in `root` whose backend "data" uses the database at `url`; the
    password, if any, goes in a file only its owner may read, as a real site would keep it."""
    (root / "etc" / "backends.d").mkdir(parents=True, exist_ok=True)
    farm = root / "etc" / "farm.toml"
    farm.write_text('state_dir = "var/state"\n')
    lines = [f'database = "{url}"']
    if password is not None:
        secret = root / "db.password"
        secret.write_text(password + "\n")
        os.chmod(secret, 0o600)
        lines.append(f'database_password_file = "{secret}"')
    if models:
        lines.append(f'database_models = "{models}"')
    if migrations is not None:
        lines.append(f'database_migrations = "{migrations}"')
    (root / "etc" / "backends.d" / "t.toml").write_text(textwrap.dedent(f"""\
        hosts = ["localhost"]
        default = true
        [[backend]]
        name = "data"
        user = "nobody"
        prefix = "/"
        app = "hostsdb.urls"
        pythonpath = ["{APPS}"]
        """) + "\n".join(lines) + "\n")
    return farm


ADMIN = {"REMOTE_USER": "ann", "PWWW_ROLES": "admin", "PWWW_SESSION": "s1"}
USER = {"REMOTE_USER": "bob", "PWWW_ROLES": "", "PWWW_SESSION": "s2"}
PROXY = {"X-Requested-With": "pycopia-www"}


class Caller:
    """JSON-RPC calls to the test inventory's /api through the in-process client, as a given user
    (None: nobody logged in). Typed values go through the proxy codec both ways."""

    def __init__(self, client):
        from pycopia_www.proxy.codec import Codec
        self.client = client
        self.codec = Codec(strict=False)

    def answer(self, method, *params, as_=None, **named):
        self.client.environ.clear()
        self.client.environ.update(as_ or {})
        call = {"jsonrpc": "2.0", "id": 1, "method": method,
                "params": self.codec.encode(named if named else list(params))}
        r = self.client.post("/api", json=call, headers=PROXY)
        assert r.status == 200, (r.status, r.text)
        return r.json()

    def __call__(self, method, *params, as_=ADMIN, **named):
        """The result; an AssertionError showing the error if the call failed."""
        answer = self.answer(method, *params, as_=as_, **named)
        assert "result" in answer, answer
        return self.codec.decode(answer["result"])

    def error(self, method, *params, as_=ADMIN, **named) -> dict:
        answer = self.answer(method, *params, as_=as_, **named)
        assert "error" in answer, answer
        return answer["error"]

    def batch(self, *calls, as_=ADMIN) -> list:
        self.client.environ.clear()
        self.client.environ.update(as_ or {})
        body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": self.codec.encode(list(p))}
                for i, (m, *p) in enumerate(calls)]
        r = self.client.post("/api", json=body, headers=PROXY)
        return sorted(r.json(), key=lambda x: x["id"])      # a batch answer is an array
