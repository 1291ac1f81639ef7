"""`websitectl urls` and `websitectl url` on the demo site's configuration."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def websitectl(*args):
    return subprocess.run([sys.executable, "-m", "pycopia_www.ctl", "--farm",
                           str(REPO / "demo" / "etc" / "farm.toml"), *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60)


def test_urls_prints_the_whole_tree():
    out = websitectl("urls").stdout.splitlines()
    assert out[0].split() == ["HOST", "BACKEND", "PATTERN", "HANDLER", "NAME"]
    rows = [line.split() for line in out[1:]]
    assert ["appliance", "appliance.sys", "^/sys/$", "handlers.sys.views.index", "sys-home"] in rows
    assert ["docs", "docs.docs", "^/$", "handlers.docs.views.manual", "manual"] in rows


def test_url_reverses_names_and_dotted_paths_with_parameters():
    assert websitectl("url", "notes").stdout.strip() == "/notes"
    assert websitectl("url", "handlers.db.views.row", "table=hosts", "row=3").stdout.strip() == "/data/hosts/3"
    assert websitectl("url", "manual", "--host", "docs").stdout.strip() == "http://docs.local:8080/"   # the farm's port


def test_url_that_cannot_be_reversed_says_why():
    proc = websitectl("url", "row", "table=hosts", "row=three")
    assert proc.returncode == 1 and "row" in proc.stderr and proc.stdout == ""
    assert websitectl("url", "row", "oops").returncode == 2
