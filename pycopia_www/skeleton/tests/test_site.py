"""The site's own tests: its applications in-process, from its own configuration (no lighttpd,
no users needed). Run from the site's directory: python -m pytest"""
from pathlib import Path

from pycopia_www.testing import Client

FARM = Path(__file__).resolve().parents[1] / "etc" / "farm.toml"


def test_home_page_and_its_proxy():
    client = Client.for_site(FARM)
    page = client.get("/")
    assert page.status == 200 and "Hello from" in page.text
    answer = client.post("/api", json={"jsonrpc": "2.0", "id": 1, "method": "greet",
                                       "params": ["Ann"]},
                         headers={"X-Requested-With": "pycopia-www"})
    assert answer.json() == {"jsonrpc": "2.0", "id": 1, "result": "Hello, Ann!"}
