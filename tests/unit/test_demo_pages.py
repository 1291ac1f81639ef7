"""The demo site, in process through the test client: every HTML page is well-formed XML, is built
in debug mode (each element and attribute checked against the HTML5 content model as it is
added) and parses as text/html to the same tree; links are built with get_url and lead somewhere;
the form posts and redirects; the custom 404 page is used. (The pages are HTML5: the layout's
landmarks do not exist in XHTML 1.0 Strict, so its DTD no longer applies.)"""
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pycopia_www import markup
from pycopia_www.markup.validate import html5_errors
from pycopia_www.testing import Client
from pycopia_www.ui import flash_redirect

FARM = Path(__file__).resolve().parents[2] / "demo" / "etc" / "farm.toml"
XHTML = {"Accept": "application/xhtml+xml"}

# (host, path, status): every HTML page the demo serves
PAGES = [("localhost", "/", 200), ("localhost", "/notes", 200), ("localhost", "/settings", 200),
         ("localhost", "/hosts", 200),
         ("localhost", "/tables/hosts/", 200), ("localhost", "/tables/hosts/add", 200),
         ("localhost", "/tables/groups/", 200), ("localhost", "/tables/groups/1/", 200),
         ("localhost", "/tables/groups/1/edit", 200), ("localhost", "/tables/groups/1/delete", 200),
         ("localhost", "/sys/", 200),
         ("localhost", "/no/such/page", 404), ("docs.local", "/", 200)]


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)     # a backend's working directory is its state directory
    markup.set_debug(True)          # a page that breaks the content model fails while it is built
    client = Client.for_site(FARM, host="localhost")
    client.login("admin", roles=["admin"])
    yield client
    markup.set_debug(False)


def page_errors(body: bytes) -> list[str]:
    assert body.startswith(b"<!DOCTYPE html>\n"), body[:80]
    return html5_errors(body)


@pytest.mark.parametrize("logged_in", [True, False], ids=["admin", "anonymous"])
@pytest.mark.parametrize("host,path,status", PAGES)
def test_every_page_is_valid_html5_in_both_syntaxes(client, host, path, status, logged_in):
    if not logged_in:
        client.logout()
        writes = path.endswith(("/add", "/edit", "/delete"))     # the table pages' forms
        status = 401 if path.startswith("/sys/") or writes else status
    r = client.get(f"http://{host}{path}", headers=XHTML)
    assert r.status == status
    if status == 401:           # the web layer's refusal (lighttpd would have redirected first)
        return
    assert r.content_type.startswith("application/xhtml+xml")
    assert page_errors(r.body) == []
    r = client.get(f"http://{host}{path}", headers={"Accept": "text/html"})
    assert r.content_type.startswith("text/html") and r.body.startswith(b"<!DOCTYPE html>\n")
    assert page_errors(r.body) == []


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
    page = client.get(r.location, headers=XHTML).text
    assert "a &lt;b&gt;bold&lt;/b&gt; claim" in page and "<b>bold</b>" not in page
    assert ">Added.</p>" in page            # the flash message the redirect asked for


def test_empty_note_is_refused_next_to_its_field(client):
    r = client.post("/notes", data={"text": "  "}, headers=XHTML)
    assert r.status == 200 and "Write 1 to 200 characters." in r.text
    assert page_errors(r.body) == []


def test_custom_404_page(client):
    r = client.get("/no/such/page", headers=XHTML)
    assert r.status == 404 and "Nothing lives at /no/such/page" in r.text


def test_sys_pages_show_the_user_and_logout_buttons(client):
    page = client.get("/sys/", headers=XHTML).text
    assert "Logged in as <strong>admin</strong>" in page
    assert page.count('action="/auth/logout"') == 2 and page.count('name="csrf_token"') == 2
    client.logout()                 # no authorizer variables: the sys backend refuses by itself
    assert client.get("/sys/").status == 401


def test_the_health_check_is_the_one_public_route_of_sys(client):
    client.logout()
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
    assert r.status == 303 and urlsplit(r.location).query == "flash=saved"
    assert "<h1>Lab</h1>" in client.get("/", headers=XHTML).text
    assert ">Saved.</p>" in client.get(r.location, headers=XHTML).text
    for refresh, why in (("0", "Between 1 and 3600."), ("x", "Write a whole number.")):
        r = client.post("/settings", data={"site_name": "Other", "refresh_seconds": refresh}, headers=XHTML)
        assert r.status == 200 and page_errors(r.body) == []
        # the message next to its field, the value as it was typed
        assert f'value="{refresh}" id="settings-form-refresh_seconds"' in r.text
        assert f'<span class="error" id="settings-form-refresh_seconds-error">{why}</span>' in r.text
    assert (tmp_path / "settings.json").read_text().count("Lab") == 1     # the refused posts saved nothing


def test_menu_shows_each_user_what_they_may_reach(client):
    def menu(path="/"):
        page = client.get(path, headers=XHTML).text
        nav = page[page.index('<nav class="menu"'):page.index("</nav>")]
        return re.findall(r'<a (?:aria-current="page" )?href="([^"]+)">([^<]+)</a>', nav)

    everyone = [("/", "Home"), ("/notes", "Notes"), ("/settings", "Settings")]
    writers = [("/tables/hosts/", "Hosts"), ("/tables/groups/", "Groups")]
    # entries of three backends (ui, db, sys) of the virtual host, in menu_order
    assert menu() == everyone + writers + [("/sys/", "System"), ("/sys/me", "Run as me")]
    assert 'aria-current="page" href="/notes"' in client.get("/notes", headers=XHTML).text
    client.login("reader", roles=["viewer"])
    # the table pages are anyone's to read, their entries for those who may change the rows
    assert menu() == everyone + [("/sys/", "System"), ("/sys/me", "Run as me")]
    assert client.get("/tables/hosts/").status == 200
    client.logout()
    assert menu() == everyone          # the sys backend needs a login: not shown
    assert menu("http://docs.local/") == [("/", "The manual")]   # another virtual host, its own menu


def test_apply_with_rollback_then_confirm_through_the_page(client, tmp_path):
    r = client.post("/settings", data={"site_name": "Trial", "refresh_seconds": "5", "action": "apply"})
    assert r.status == 303 and urlsplit(r.location).query == "flash=applied"
    page = client.get(r.location, headers=XHTML).text
    assert '<div class="pending" id="pending"' in page and "<h1>" in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    assert "Trial" in client.get("/", headers=XHTML).text          # applied at once
    r = client.post("/settings/confirm", data={"token": "wrong"})
    assert urlsplit(r.location).query == "flash=reverted"            # not this change's token
    r = client.post("/settings/confirm", data={"token": token})
    assert urlsplit(r.location).query == "flash=confirmed"
    assert 'id="pending"' not in client.get("/settings", headers=XHTML).text
    assert not (tmp_path / "settings.json.pending").exists()


def test_flash_messages_show_only_registered_texts(client):
    page = client.get("/notes?flash=saved&flash=%3Cb%3Eowned%3C/b%3E&flash=saved", headers=XHTML).text
    assert page.count('<p class="flash success" role="status">Saved.</p>') == 1
    assert "owned" not in page                  # a key, never a message, travels in the URL
    with pytest.raises(KeyError, match="not registered"):
        flash_redirect("/", "nonsense")
    assert flash_redirect("/x", "saved", query={"page": 2}).location == "/x?page=2&flash=saved"
def test_the_status_panel_is_bound_to_its_topic(client):
    """Pushed, not polled: each value names topic and field for /pwww/live.js, and the page's
    first values are the publisher's own (handlers/ui/live.py)."""
    body = client.get("/", headers=XHTML).text
    assert 'src="/pwww/live.js"' in body
    for key in ("hostname", "uptime", "load", "memory", "processes", "publisher", "updated"):
        element = re.search(rf'<[a-z]+ id="status-{key}"[^>]*>', body).group(0)
        assert f'data-topic="demo.status" data-field="{key}"' in element, element
