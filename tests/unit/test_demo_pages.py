"""The demo site, in process through the test client: every HTML page is valid XHTML 1.0 Strict
(the real W3C DTD) and parses as text/html; links are built with get_url and lead somewhere; the
form posts and redirects; the custom 404 page is used."""
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pycopia_www.markup.validate import html5_errors, xhtml1_strict_errors
from pycopia_www.testing import Client

FARM = Path(__file__).resolve().parents[2] / "demo" / "etc" / "farm.toml"
XHTML = {"Accept": "application/xhtml+xml"}
# What lighttpd adds to a request to /sys once the auth backend's authorizer let it through.
LOGGED_IN = {"REMOTE_USER": "admin", "PWWW_ROLES": "admin", "PWWW_SESSION": "s1", "PWWW_CSRF": "t" * 43}

# (host, path, status): every HTML page the demo serves
PAGES = [("localhost", "/", 200), ("localhost", "/notes", 200), ("localhost", "/settings", 200),
         ("localhost", "/sys/", 200),
         ("localhost", "/no/such/page", 404), ("docs.local", "/", 200)]


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)     # a backend's working directory is its state directory
    client = Client.for_site(FARM, host="localhost")
    client.environ.update(LOGGED_IN)
    return client


# Pages with live elements (data-topic) are HTML5 (polyglot); the others XHTML 1.0 Strict.
HTML5_PAGES = {("localhost", "/")}


@pytest.mark.parametrize("host,path,status", PAGES)
def test_every_page_is_valid_xhtml_and_html(client, host, path, status):
    html5 = (host, path) in HTML5_PAGES
    r = client.get(f"http://{host}{path}", headers=XHTML)
    assert r.status == status and r.content_type.startswith("application/xhtml+xml")
    if not html5:
        assert xhtml1_strict_errors(r.body) == []
    r = client.get(f"http://{host}{path}", headers={"Accept": "text/html"})
    assert r.content_type.startswith("text/html")
    assert html5_errors(r.body, legacy_doctype=not html5) == []


def test_home_links_reach_other_backends_and_hosts(client):
    body = client.get("/", headers=XHTML).text
    hrefs = re.findall(r'href="([^"]+)"', body)
    assert "/status" in hrefs and "/sys/" in hrefs and "/notes" in hrefs
    assert any(h.startswith("http://docs.local") for h in hrefs)      # the other virtual host
    for href in hrefs:
        if href.endswith(".css") or href.startswith("/media/"):
            continue
        parts = urlsplit(href)
        target = f"http://{parts.hostname}{parts.path}" if parts.hostname else parts.path
        assert client.get(target).status == 200, href


def test_notes_post_redirects_then_shows_the_note(client):
    r = client.post("/notes", data={"text": "a <b>bold</b> claim"})
    assert r.status == 303 and urlsplit(r.location).path == "/notes"
    page = client.get("/notes", headers=XHTML).text
    assert "a &lt;b&gt;bold&lt;/b&gt; claim" in page and "<b>bold</b>" not in page


def test_empty_note_is_refused_next_to_its_field(client):
    r = client.post("/notes", data={"text": "  "}, headers=XHTML)
    assert r.status == 200 and "Write 1 to 200 characters." in r.text
    assert xhtml1_strict_errors(r.body) == []


def test_custom_404_page(client):
    r = client.get("/no/such/page", headers=XHTML)
    assert r.status == 404 and "Nothing lives at /no/such/page" in r.text


def test_sys_pages_show_the_user_and_logout_buttons(client):
    page = client.get("/sys/", headers=XHTML).text
    assert "Logged in as <strong>admin</strong>" in page
    assert page.count('action="/auth/logout"') == 2 and page.count('value="' + "t" * 43 + '"') == 2
    client.environ.clear()          # no authorizer variables: the sys backend refuses by itself
    assert client.get("/sys/").status == 401


def test_the_health_check_is_the_one_public_route_of_sys(client):
    client.environ.clear()
    assert client.get("/sys/health").json() == {"ok": True}
    assert client.get("/sys/").status == 401 and client.get("/sys/me").status == 401


def test_bare_sys_prefix_redirects(client):
    r = client.get("/sys")
    assert r.status == 308 and urlsplit(r.location).path == "/sys/"


def test_db_status_is_json_with_a_link_home(client):
    data = client.get("/status").json()
    assert data["backend"] == "db" and data["home"].endswith("/")


def test_settings_post_without_scripts_saves_or_says_why(client, tmp_path):
    r = client.post("/settings", data={"site_name": " Lab ", "refresh_seconds": "7", "motd": ""})
    assert r.status == 303 and urlsplit(r.location).query == "saved=1"
    assert "<h1>Lab</h1>" in client.get("/", headers=XHTML).text
    for refresh, why in (("0", "Refresh every 1 to 3600 seconds."), ("x", "Write a whole number.")):
        r = client.post("/settings", data={"site_name": "Other", "refresh_seconds": refresh}, headers=XHTML)
        assert r.status == 200 and why in r.text and xhtml1_strict_errors(r.body) == []
    assert (tmp_path / "settings.json").read_text().count("Lab") == 1     # the refused posts saved nothing


def test_the_status_panel_is_bound_to_its_topic(client):
    """Pushed, not polled: each value names topic and field for /pwww/live.js, and the page's
    first values are the publisher's own (handlers/ui/live.py)."""
    body = client.get("/", headers=XHTML).text
    assert 'src="/pwww/live.js"' in body
    for key in ("hostname", "uptime", "load", "memory", "processes", "publisher", "updated"):
        assert re.search(rf'id="status-{key}" data-topic="demo.status" data-field="{key}"', body), key
