"""Test helpers that build a throw-away farm (its own config, ports, directories) and drive it
through the real websitectl, lighttpd and backends."""
import contextlib
import grp
import http.client
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
WEBSITECTL = [sys.executable, "-m", "pycopia_www.ctl"]
TEST_APPS = Path(__file__).resolve().parent / "apps"

# Backend accounts of test farms are per run: other runs (other engineers, CI) use this machine at
# the same time with the same configurations, and each removes exactly what it made.
RUN_ID = secrets.token_hex(3)
_RUN_NAME = re.compile(r"\bpwww-t-([a-z]+)\b(?!-)")
_ACCOUNTS: dict[str, tuple[bool, bool]] = {}       # name -> (user existed, group existed) before


def _exists(lookup, name: str) -> bool:
    try:
        lookup(name)
        return True
    except KeyError:
        return False


def test_user(tag: str) -> str:
    """This run's account for `tag` ("ui" -> "pwww-t-ui-3f9a1c"); websitectl setup creates it."""
    name = f"pwww-t-{tag}-{RUN_ID}"
    if name not in _ACCOUNTS:
        _ACCOUNTS[name] = (_exists(pwd.getpwnam, name), _exists(grp.getgrnam, name))
    return name


test_user.__test__ = False          # not a pytest test


def run_accounts(text: str) -> str:
    """A configuration with each pwww-t-NAME account made this run's (test_user)."""
    return _RUN_NAME.sub(lambda m: test_user(m.group(1)), text)


def remove_run_accounts() -> list[str]:
    """Delete the accounts this run's farms created, and nothing else: only names of this run,
    and only those that did not exist before the run first used them."""
    removed = []
    for name, (user_existed, group_existed) in _ACCOUNTS.items():
        if not user_existed and _exists(pwd.getpwnam, name):
            # --force: a rollback watcher of a test farm may still be sleeping as this user
            subprocess.run(["userdel", "--force", name], capture_output=True)
            removed.append(f"user {name}")
        if not group_existed and _exists(grp.getgrnam, name):
            subprocess.run(["groupdel", name], capture_output=True)
            removed.append(f"group {name}")
    return removed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_root() -> bool:
    return os.geteuid() == 0


class Farm:
    """A farm in a fresh directory tree that every backend user can traverse."""

    def __init__(self, backends: dict[str, str], farm_extra: str = "", python: str = sys.executable):
        self.websitectl = [python, *WEBSITECTL[1:]]      # the interpreter the farm runs with
        self.root = Path(tempfile.mkdtemp(prefix="pwww-test-", dir="/tmp"))
        os.chmod(self.root, 0o755)
        (self.root / "etc" / "backends.d").mkdir(parents=True)
        (self.root / "static").mkdir()
        (self.root / "static" / "hello.txt").write_text("static hello\n")
        (self.root / "secret.txt").write_text("outside the static tree\n")
        for d in (self.root, self.root / "etc", self.root / "static"):
            os.chmod(d, 0o755)
        self.port = free_port()
        self.tls_port = next(p for p in iter(free_port, None) if p != self.port)
        self.farm_file = self.root / "etc" / "farm.toml"
        self.farm_file.write_text(f'listen = "127.0.0.1"\nport = {self.port}\ntls_port = {self.tls_port}\n'
                                  + farm_extra + textwrap.dedent("""\
            [supervision]
            backoff_initial = 0.05
            backoff_max = 0.4
            give_up_after = 4
            stable_after = 3.0
            """))
        for name, text in backends.items():
            self.write_vhost(name, text)

    def write_vhost(self, name: str, text: str) -> None:
        text = run_accounts(text.replace("@APPS@", str(TEST_APPS)))
        (self.root / "etc" / "backends.d" / f"{name}.toml").write_text(textwrap.dedent(text))

    # ----- websitectl -----

    def ctl(self, *args: str, check: bool = True, timeout: float = 120,
            input: str | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run([*self.websitectl, "--farm", str(self.farm_file), *args], cwd=REPO,
                              capture_output=True, text=True, timeout=timeout, input=input)
        if check and proc.returncode != 0:
            raise AssertionError(f"websitectl {' '.join(args)} failed ({proc.returncode}):\n"
                                 f"{proc.stdout}\n{proc.stderr}\n{self.logs()}")
        return proc

    def start(self) -> "Farm":
        self.ctl("setup")
        self.ctl("start")
        return self

    def stop(self) -> None:
        self.ctl("stop", check=False)

    def status(self) -> dict:
        return json.loads(self.ctl("status", "--json", check=False).stdout)

    def logs(self) -> str:
        out = []
        for path in sorted((self.root / "var" / "log").rglob("*.log")) if (self.root / "var").exists() else []:
            try:
                out.append(f"--- {path.name}\n" + path.read_text()[-3000:])
            except OSError:
                pass
        return "\n".join(out)

    def cleanup(self) -> None:
        """Stop the farm; if websitectl cannot (a test broke its config), kill the supervisor."""
        self.stop()
        pid_file = self.root / "var" / "run" / "websitectl.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text())
            try:
                os.kill(pid, signal.SIGTERM)
                for _ in range(200):
                    os.kill(pid, 0)
                    time.sleep(0.05)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    # ----- HTTP -----

    def request(self, path: str, host: str = "localhost", method: str = "GET", body: bytes | None = None,
                timeout: float = 10, headers: dict | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def certificate(self, vhost: str) -> Path:
        """The self-signed certificate setup made for a virtual host (by its file's name)."""
        return self.root / "var" / "state" / "tls" / f"{vhost}.crt"

    def https(self, path: str, host: str = "localhost", *, trust: Path, **kw):
        return https_request(self.tls_port, path, host=host, trust=trust, **kw)

    def json(self, path: str, host: str = "localhost") -> dict:
        status, body = self.request(path, host)
        assert status == 200, (status, body[:500], self.logs())
        return json.loads(body)

    def wait_until_serving(self, path: str = "/", host: str = "localhost", within: float = 10.0,
                           expect: int = 200) -> float:
        start = time.monotonic()
        while time.monotonic() - start < within:
            try:
                if self.request(path, host, timeout=2)[0] == expect:
                    return time.monotonic() - start
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError(f"{path} not served within {within}s\n{self.logs()}")


class Browser:
    """Just enough of a browser: a cookie jar and the forms' CSRF token."""

    def __init__(self, farm, host="main.test", address="127.0.0.1"):
        """`address`: where it connects from (all of 127/8 is this machine), as REMOTE_ADDR."""
        self.farm, self.host, self.cookies, self.address = farm, host, {}, address

    def call(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.farm.port, timeout=15,
                                          source_address=(self.address, 0))
        h = {"Host": self.host, **(headers or {})}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for header in resp.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return resp.status, resp.headers, data

    def get(self, path, **headers):
        return self.call("GET", path, headers=headers)

    def post(self, path, fields, **headers):
        return self.call("POST", path, urlencode(fields).encode(),
                         {"Content-Type": "application/x-www-form-urlencoded", **headers})

    def token(self, path="/auth/login") -> str:
        page = self.get(path)[2].decode()
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def login(self, name="ann", password="ann-pw-1", next_="/g/"):
        return self.post("/auth/login", {"name": name, "password": password, "next": next_,
                                         "csrf_token": self.token()})


def https_request(port: int, path: str, *, host: str, trust: Path, method: str = "GET",
                  body: bytes | None = None, headers: dict | None = None, timeout: float = 10):
    """One HTTPS request to 127.0.0.1:port for `host` (its SNI name, and the name the
    certificate must carry), trusting `trust` alone. Returns (status, headers, body)."""
    context = ssl.create_default_context(cafile=str(trust))
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn.sock = context.wrap_socket(raw, server_hostname=host)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


class Load:
    """Background clients hammering a path, counting answers, bounded in time."""

    def __init__(self, farm: Farm, path: str, host: str = "localhost", clients: int = 4,
                 max_seconds: float = 60.0):
        self.farm, self.path, self.host = farm, path, host
        self.ok = 0
        self.failures: list[str] = []
        self.times: list[tuple[float, bool]] = []     # (monotonic, ok)
        self._stop = threading.Event()
        self._deadline = time.monotonic() + max_seconds
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def __enter__(self):
        for t in self._threads:
            t.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join(15)

    def _run(self):
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            try:
                status, body = self.farm.request(self.path, self.host, timeout=10)
                good = status == 200
                if not good:
                    self.failures.append(f"HTTP {status}: {body[:100]!r}")
            except OSError as exc:
                good = False
                self.failures.append(f"{type(exc).__name__}: {exc}")
            with threading.Lock():
                self.times.append((time.monotonic(), good))
                self.ok += good

    def longest_outage(self) -> float:
        """The longest stretch between two successful answers with only failures in it."""
        longest, last_ok, failing = 0.0, None, False
        for t, good in sorted(self.times):
            if good:
                if failing and last_ok is not None:
                    longest = max(longest, t - last_ok)
                last_ok, failing = t, False
            else:
                failing = True
        return longest


def wait_for(predicate, within: float = 10.0, what: str = "condition"):
    """predicate()'s first true value, polled every 50 ms; AssertionError after `within` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {within}s")


def kill(pid: int, sig: int = signal.SIGKILL) -> None:
    os.kill(pid, sig)


def proc_ids(pid: int) -> dict:
    from pycopia_www.farm.procfs import ids
    return ids(pid)


@contextlib.contextmanager
def login_user(tag: str, *useradd_options: str):
    """A regular (non-system) account with a home directory and a password, as a person would
    have (an account without one is locked, which run_as refuses); removed afterwards with its
    home. The name is per test process, so concurrent runs do not collide."""
    name = f"pwww-t-{tag}{os.getpid() % 100000}"
    options = useradd_options if "--gid" in useradd_options else ("--user-group", *useradd_options)
    if "--shell" not in options:
        options = ("--shell", "/bin/sh", *options)
    subprocess.run(["useradd", "--create-home", *options, name], check=True, capture_output=True)
    subprocess.run(["chpasswd"], input=f"{name}:{secrets.token_urlsafe(16)}\n", text=True,
                   check=True, capture_output=True)
    try:
        yield name
    finally:
        subprocess.run(["userdel", "--force", "--remove", name], capture_output=True)


@contextlib.contextmanager
def system_group(tag: str):
    name = f"pwww-t-{tag}{os.getpid() % 100000}"
    subprocess.run(["groupadd", name], check=True, capture_output=True)
    try:
        yield name
    finally:
        subprocess.run(["groupdel", name], capture_output=True)
