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
