"""websitectl init: a new site from the skeleton passes its own test and runs with
`websitectl start` from its directory, as a newcomer would do it."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from farmkit import REPO, RUN_ID, WEBSITECTL, free_port, https_request, test_user


def run(*argv, cwd, check=True, timeout=180):
    proc = subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={k: v for k, v in os.environ.items() if k != "PWWW_FARM"})
    if check:
        assert proc.returncode == 0, f"{argv}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture
def site():
    top = Path(tempfile.mkdtemp(prefix="pwww-init-", dir="/tmp"))
    os.chmod(top, 0o755)            # the backend's user reads the site (pytest's tmp is private)
    directory = top / "shop"
    test_user("init")               # the site's user, pwww-t-init-<run>: removed after the run
    out = run(*WEBSITECTL, "init", str(directory), "--name", f"t-init-{RUN_ID}", cwd=REPO).stdout
    assert "websitectl setup && websitectl start" in out
    try:
        yield directory
    finally:
        run(*WEBSITECTL, "stop", cwd=directory, check=False)
        shutil.rmtree(top, ignore_errors=True)


def test_the_skeleton_is_small_and_complete(site):
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert files == ["README.md", "etc/backends.d/site.toml", "etc/farm.toml", "handlers/__init__.py",
                     "handlers/web/__init__.py", "handlers/web/api.py", "handlers/web/urls.py",
                     "handlers/web/views.py", "pytest.ini", "static/app.js", "tests/test_site.py"]
    assert f'user = "{test_user("init")}"' in (site / "etc" / "backends.d" / "site.toml").read_text()
    assert f"# t-init-{RUN_ID}" in (site / "README.md").read_text()
    assert run(*WEBSITECTL, "init", str(site), cwd=REPO, check=False).returncode == 1   # not over a site


def test_the_new_site_passes_its_own_test(site):
    proc = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=site)
    assert "1 passed" in proc.stdout


def test_the_new_site_runs_from_its_directory(site):
    port, tls_port = free_port(), free_port()
    run(*WEBSITECTL, "setup", cwd=site)                 # no --farm: ./etc/farm.toml
    run(*WEBSITECTL, "start", "--port", str(port), "--tls-port", str(tls_port), cwd=site)
    status, _, body = https_request(tls_port, "/", host="localhost",
                                    trust=site / "var" / "state" / "tls" / "site.crt")
    assert status == 200 and f"Hello from t-init-{RUN_ID}".encode() in body
    call = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "greet", "params": ["Ann"]}).encode()
    status, _, body = https_request(tls_port, "/api", host="localhost", method="POST", body=call,
                                    trust=site / "var" / "state" / "tls" / "site.crt",
                                    headers={"Content-Type": "application/json",
                                             "X-Requested-With": "pycopia-www"})
    assert json.loads(body)["result"] == "Hello, Ann!"
    rows = json.loads(run(*WEBSITECTL, "status", "--json", cwd=site).stdout)["backends"]
    assert rows["site.web"]["user"] == test_user("init") and rows["site.web"]["state"] == "running"
