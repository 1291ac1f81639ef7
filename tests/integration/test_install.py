"""make install, as an appliance builder runs it: into a DESTDIR (a firmware image), and with
every directory under a temporary prefix, then the installed websitectl sets up and starts the
demo site over HTTPS, and the unit file passes systemd-analyze verify."""
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import tomllib
from pathlib import Path

import pytest

from farmkit import REPO, free_port, https_request, run_accounts, test_user
from pycopia_www.farm.accounts import FRONTEND_USER   # the default front-end user (H1)
from pycopia_www.farm.procfs import alive, children_of

ADMIN_PASSWORD = "install-test-password-1"


def make(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(["make", "-s", "--no-print-directory", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def layout(top: Path) -> dict[str, Path]:
    return {"PREFIX": top / "opt", "SYSCONFDIR": top / "etc", "LOCALSTATEDIR": top / "var",
            "LOGDIR": top / "log", "RUNSTATEDIR": top / "run", "UNITDIR": top / "systemd",
            "INITDIR": top / "init.d"}


def test_destdir_install_lays_out_the_tree_for_its_final_place(tmp_path):
    dest = tmp_path / "image"
    make("install", f"DESTDIR={dest}")
    opt, etc = dest / "opt" / "pycopia-www", dest / "etc" / "pycopia-www"
    mode = lambda p: stat.S_IMODE(p.lstat().st_mode)        # noqa: E731
    assert os.readlink(opt / "bin" / "websitectl") == "../venv/bin/websitectl"
    script = opt / "venv" / "bin" / "websitectl"
    assert mode(script) == 0o755
    assert script.read_text().splitlines()[0] == "#!/opt/pycopia-www/venv/bin/python"
    assert (opt / "venv" / "pycopia-www-farm").read_text() == "/etc/pycopia-www/farm.toml\n"
    assert not list((opt / "venv").glob("lib/python3*/site-packages/pip"))   # nothing installs later
    assert sorted(p.relative_to(etc).as_posix() for p in etc.rglob("*")) == [
        "backends.d", "backends.d/appliance.toml", "backends.d/docs.toml", "farm.toml", "lighttpd.conf"]
    assert {mode(p) for p in etc.rglob("*") if p.is_file()} == {0o644}
    farm = tomllib.loads((etc / "farm.toml").read_text())
    assert (farm["root"], farm["run_dir"], farm["state_dir"], farm["log_dir"]) == (
        "/opt/pycopia-www/site", "/run/pycopia-www", "/var/lib/pycopia-www", "/var/log/pycopia-www")
    assert (farm["port"], farm["tls_port"], farm["redirect_to_https"]) == (80, 443, True)
    assert farm["supervision"]["give_up_after"] == 8             # the site's own settings kept
    site = opt / "site"
    assert (site / "handlers" / "ui" / "urls.py").is_file() and (site / "media" / "site.css").is_file()
    assert not (site / "etc").exists() and not (site / "var").exists()
    assert list(site.glob("handlers/__pycache__/*.pyc"))
    assert mode(dest / "etc" / "systemd" / "system" / "pycopia-www.service") == 0o644
    assert mode(dest / "etc" / "init.d" / "pycopia-www") == 0o755
    assert (dest / "var" / "lib" / "pycopia-www").is_dir() and (dest / "var" / "log" / "pycopia-www").is_dir()
    assert not (dest / "run").exists()                          # made at run time (systemd)
    # Nothing names the image's directory: the tree works where it is copied to.
    named = subprocess.run(["grep", "-rlI", str(dest), str(dest)], capture_output=True, text=True)
    assert named.stdout == ""
    manifest = (opt / "share" / "pycopia-www" / "installed-files").read_text().split()
    assert "/opt/pycopia-www/bin/websitectl" in manifest and "/etc/systemd/system/pycopia-www.service" in manifest
    assert not [p for p in manifest if p.startswith("/etc/pycopia-www") or p.startswith("/var/")]

    # Again, with the operator's edit: it is kept, the new version goes beside it.
    (etc / "farm.toml").write_text((etc / "farm.toml").read_text() + "# the operator's\n")
    out = make("install", f"DESTDIR={dest}").stdout
    assert "kept /etc/pycopia-www/farm.toml; the new version is /etc/pycopia-www/farm.toml.new" in out
    assert (etc / "farm.toml").read_text().endswith("# the operator's\n")
    (dest / "var" / "lib" / "pycopia-www" / "data").write_text("state\n")

    make("uninstall", f"DESTDIR={dest}")
    left = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if not p.is_dir())
    assert left == ["etc/pycopia-www/backends.d/appliance.toml", "etc/pycopia-www/backends.d/docs.toml",
                    "etc/pycopia-www/farm.toml", "etc/pycopia-www/farm.toml.new",
                    "etc/pycopia-www/lighttpd.conf", "var/lib/pycopia-www/data"]
    assert not (dest / "opt").exists() or not any((dest / "opt").rglob("*"))


def test_uninstall_without_an_install_says_so(tmp_path):
    proc = subprocess.run(["make", "-s", "uninstall", f"DESTDIR={tmp_path}"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "nothing installed there" in proc.stderr


# ----- installed under a temporary prefix, and running ------------------------------------

def demo_copy(top: Path) -> Path:
    """The demo site, with this run's test users (pwww-ui -> pwww-t-ui-<run>): SITE=DIR
    installs any site."""
    site = top / "site-src"
    shutil.copytree(REPO / "demo", site, ignore=shutil.ignore_patterns("var", "__pycache__"))
    for vhost in (site / "etc" / "backends.d").glob("*.toml"):
        vhost.write_text(run_accounts(re.sub(r'user = "pwww-', 'user = "pwww-t-', vhost.read_text())))
    return site


class Installed:
    def __init__(self, top: Path):
        self.top = top
        self.dirs = layout(top)
        self.port, self.tls_port = free_port(), free_port()
        while self.tls_port == self.port:
            self.tls_port = free_port()
        self.websitectl = str(self.dirs["PREFIX"] / "bin" / "websitectl")

    def ctl(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        # From / and without PWWW_FARM: the installed websitectl must find its configuration.
        env = {k: v for k, v in os.environ.items() if k != "PWWW_FARM"}
        proc = subprocess.run([self.websitectl, *args], cwd="/", capture_output=True, text=True,
                              timeout=timeout, env={**env, "ADMIN_PASSWORD": ADMIN_PASSWORD})
        if check:
            assert proc.returncode == 0, f"websitectl {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}\n{self.logs()}"
        return proc

    def start(self) -> subprocess.CompletedProcess:
        return self.ctl("start", "--port", str(self.port), "--tls-port", str(self.tls_port))

    def certificate(self) -> Path:
        return self.dirs["LOCALSTATEDIR"] / "tls" / "appliance.crt"

    def logs(self) -> str:
        return "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-2000:]}"
                         for p in sorted(self.dirs["LOGDIR"].rglob("*.log")))


@pytest.fixture(scope="module")
def installed():
    top = Path(tempfile.mkdtemp(prefix="pwww-install-", dir="/tmp"))
    os.chmod(top, 0o755)            # the backends' users reach the site and its static files
    inst = Installed(top)
    make("install", f"SITE={demo_copy(top)}", "LISTEN=127.0.0.1",
         *(f"{k}={v}" for k, v in inst.dirs.items()))
    try:
        inst.ctl("setup")
        inst.start()
        yield inst
    finally:
        inst.ctl("stop", check=False)
        shutil.rmtree(top, ignore_errors=True)


def test_the_unit_passes_systemd_analyze_verify(installed):
    unit = installed.dirs["UNITDIR"] / "pycopia-www.service"
    text = unit.read_text()
    assert f"ExecStart={installed.websitectl} --farm {installed.dirs['SYSCONFDIR']}/farm.toml start" in text
    assert "Type=notify" in text and "ExecReload=" in text and "Restart=on-failure" in text
    proc = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout + proc.stderr == "", proc.stdout + proc.stderr


def test_https_answers_with_the_generated_certificate(installed):
    cert = installed.certificate()
    proc = subprocess.run(["curl", "-sS", "--cacert", str(cert), "-o", "/dev/null", "-w", "%{http_code}",
                           f"https://localhost:{installed.tls_port}/"], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0 and proc.stdout == "200", proc.stderr
    shown = installed.ctl("cert", "show", "appliance").stdout
    assert "made by the farm (self-signed" in shown and "appliance.local, localhost" in shown


def test_plain_http_redirects_to_https(installed):
    proc = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                           f"http://127.0.0.1:{installed.port}/sys/?x=1"], capture_output=True,
                          text=True, timeout=30)
    assert proc.stdout == f"308 https://127.0.0.1:{installed.tls_port}/sys/?x=1"


def test_login_over_https_sets_a_secure_host_only_session_cookie(installed):
    def https(path, **kw):
        return https_request(installed.tls_port, path, host="localhost", trust=installed.certificate(), **kw)
    status, headers, body = https("/auth/login")
    assert status == 200
    csrf_cookie = next(c for c in headers.get_all("Set-Cookie") if c.startswith("__Host-pwww_csrf="))
    assert "; Secure" in csrf_cookie
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
    form = f"csrf_token={token}&name=admin&password={ADMIN_PASSWORD}&next=/sys/".encode()
    status, headers, _ = https("/auth/login", method="POST", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": csrf_cookie.split(";")[0]})
    assert status == 303, headers
    (session,) = [c for c in headers.get_all("Set-Cookie") if c.startswith("__Host-pwww_session=")]
    attributes = [a.strip() for a in session.split(";")]
    assert "Secure" in attributes and "HttpOnly" in attributes and "Path=/" in attributes
    assert not any(a.startswith("Domain") for a in attributes)
    status, _, body = https("/sys/", headers={"Cookie": session.split(";")[0]})
    assert status == 200 and b"admin" in body


def test_status_reports_every_process_under_its_user(installed):
    # The demo's on-demand backends run once asked for: wake them, then every one has processes.
    before = json.loads(installed.ctl("status", "--json").stdout)
    for ident, row in before["backends"].items():
        if row["state"] == "idle-stopped":
            installed.ctl("wake", ident)
    deadline = time.monotonic() + 30
    while True:
        status = json.loads(installed.ctl("status", "--json").stdout)
        if all(b["state"] == "running" for b in status["backends"].values()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    rows = [status["lighttpd"], *status["backends"].values()]
    assert status["lighttpd"]["user"] == FRONTEND_USER and len(status["backends"]) == 6     # ui db sys auth events docs
    for row in rows:
        uid = pwd.getpwnam(row["user"]).pw_uid
        for pid in [row["pid"], *row["workers"]]:
            assert os.stat(f"/proc/{pid}").st_uid == uid, (row, pid)
    assert {b["user"] for b in status["backends"].values()} == {
        test_user("ui"), test_user("db"), "root", test_user("auth"), test_user("events"),
        test_user("docs")}
    init = installed.dirs["INITDIR"] / "pycopia-www"
    assert subprocess.run([str(init), "status"], capture_output=True, timeout=60).returncode == 0


def test_sigkill_of_the_supervisor_leaves_nothing_behind(installed):
    status = json.loads(installed.ctl("status", "--json").stdout)
    supervisor = status["supervisor"]["pid"]
    farm = set(children_of(supervisor)) | {w for b in status["backends"].values() for w in b["workers"]}
    assert status["lighttpd"]["pid"] in farm and len(farm) > 6
    os.kill(supervisor, signal.SIGKILL)
    deadline = time.monotonic() + 2.0
    while any(alive(p) for p in farm) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not [p for p in farm if alive(p)]


def test_a_second_start_on_a_taken_port_fails_at_once_naming_it(installed):
    with socket.create_server(("127.0.0.1", installed.port)):
        proc = installed.ctl("start", "--port", str(installed.port), "--tls-port",
                             str(installed.tls_port), check=False, timeout=30)
        assert proc.returncode == 2
        assert f"port {installed.port} is in use" in proc.stderr and "nothing was started" in proc.stderr
    assert "not running" in installed.ctl("status", check=False).stdout
    installed.start()                                       # the port is free again: it starts
    assert json.loads(installed.ctl("status", "--json").stdout)["supervisor"]["ready"]
