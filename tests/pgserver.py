"""A real PostgreSQL server for the tests: Debian's binaries, a throw-away cluster in a temporary
directory, run by an unprivileged user, reachable only on a private unix socket, stopped after.

    with PostgresServer() as pg:
        name, role, password = pg.new_database("hosts")     # a database and a role of its own
        engine = create_engine(pg.url(name, role, password))

As root (CI) the cluster belongs to a system user made for this run (pwww-t-pg<pid>) and removed
afterwards; otherwise to whoever runs the tests. Every connection needs a password
(scram-sha-256), the test's own administrator's included; there is no TCP listener.
"""
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path("/usr/lib/postgresql")
ADMIN = "pwww_test_admin"


def binaries() -> Path:
    """The newest installed PostgreSQL's bin directory."""
    versions = sorted((p for p in ROOT.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if not versions:
        raise RuntimeError("PostgreSQL is not installed (Debian: postgresql; `make test` installs it)")
    return versions[-1]


class PostgresServer:
    def __init__(self):
        self.bin = binaries()
        self.base = Path(tempfile.mkdtemp(prefix="pwww-pg-", dir="/tmp"))
        os.chmod(self.base, 0o755)                  # backend users reach the socket through it
        self.data = self.base / "data"
        self.socket_dir = self.base / "socket"
        self.log = self.base / "log" / "server.log"
        self.admin_password = secrets.token_urlsafe(24)
        self.user = None                            # the OS account running the server
        self._made_user = False
        self._count = 0

    # -- life -----------------------------------------------------------------------------

    def __enter__(self) -> "PostgresServer":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        self._account()
        for path, mode in ((self.data, 0o700), (self.socket_dir, 0o755), (self.log.parent, 0o755)):
            path.mkdir()
            os.chown(path, self.uid, self.gid)
            os.chmod(path, mode)
        pwfile = self.log.parent / "admin.pw"
        pwfile.write_text(self.admin_password + "\n")
        os.chown(pwfile, self.uid, self.gid)
        os.chmod(pwfile, 0o600)
        self._run("initdb", "-D", str(self.data), "-U", ADMIN, "--auth=scram-sha-256",
                  f"--pwfile={pwfile}", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        pwfile.unlink()
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = ''\nunix_socket_directories = '{self.socket_dir}'\n"
                       "unix_socket_permissions = 0777\nmax_connections = 60\nfsync = off\n"
                       "synchronous_commit = off\nfull_page_writes = off\nshared_buffers = 16MB\n")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop",
                      check=False)
        shutil.rmtree(self.base, ignore_errors=True)
        if self._made_user:
            subprocess.run(["userdel", self.user], capture_output=True)
            subprocess.run(["groupdel", self.user], capture_output=True)
            self._made_user = False

    def _account(self) -> None:
        if os.geteuid() != 0:
            self.user = pwd.getpwuid(os.getuid()).pw_name
        else:
            # initdb refuses to run as root: a system account of this run's own.
            self.user = f"pwww-t-pg{os.getpid() % 100000}"
            subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                            "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", self.user],
                           check=True, capture_output=True)
            self._made_user = True
        entry = pwd.getpwnam(self.user)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        kwargs = {}
        if os.geteuid() == 0:
            kwargs = dict(user=self.uid, group=self.gid, extra_groups=[])
        proc = subprocess.run([str(self.bin / tool), *args], capture_output=True, text=True,
                              cwd=self.base, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                              timeout=120, **kwargs)
        if check and proc.returncode != 0:
            log = self.log.read_text()[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({proc.returncode}): {proc.stdout}{proc.stderr}{log}")
        return proc

    # -- databases ----------------------------------------------------------------------------

    def url(self, database: str = "postgres", user: str = ADMIN, password: str | None = None,
            with_password: bool = True) -> str:
        """A SQLAlchemy URL (psycopg 3) over the private socket."""
        secret = self.admin_password if password is None and user == ADMIN else password
        auth = f"{user}:{secret}" if with_password and secret else user
        return f"postgresql+psycopg://{auth}@/{database}?host={self.socket_dir}"

    def admin(self, *statements: str) -> None:
        """Run statements as the cluster's administrator, outside a transaction (CREATE DATABASE)."""
        import psycopg
        with psycopg.connect(host=str(self.socket_dir), dbname="postgres", user=ADMIN,
                             password=self.admin_password, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def new_database(self, tag: str = "t") -> tuple[str, str, str]:
        """A fresh database owned by a fresh role: (database, role, password)."""
        self._count += 1
        name = f"{tag}_{os.getpid()}_{self._count}"
        password = secrets.token_urlsafe(16)
        self.admin(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'",
                   f"CREATE DATABASE {name} OWNER {name}")
        return name, name, password

    def drop_database(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"DROP ROLE IF EXISTS {name}")

