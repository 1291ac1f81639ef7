"""Table pages for a model (pycopia_www/ui/tables.py) in process, on a real SQLite database: the
list pages, sorts and searches, each row has a page, an edit form and a delete confirmation,
anyone may read and only the writers' roles write, a unique constraint's refusal is shown on its
field with the values kept, and nothing of a refused change reaches the database. Every page is
valid HTML5, built in debug mode."""
import re
import sqlite3

import pytest
from lxml import html

from pycopia_www import markup
from pycopia_www.markup.validate import html5_errors
from pycopia_www.testing import Client
from pycopia_www.ui.tables import TablePages
from webapps import make_site

HOST = """\
    hosts = ["lab.test"]
    default = true
    [auth]
    backend = "auth"
    [[backend]]
    name = "auth"
    user = "nobody"
    prefix = "/auth"
    app = "pycopia_www.auth.urls"
    [[backend]]
    name = "tables"
    user = "nobody"
    prefix = "/"
    app = "webapps.tables.urls"
    auth = "optional"
    database = "sqlite:///lab.db"
    database_models = "webapps.tables.models:Base"
    """
XHTML = {"Accept": "application/xhtml+xml"}


@pytest.fixture()
def client(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)         # the database file is relative to the working directory
    markup.set_debug(True)
    site = make_site(tmp_path, lab=HOST)
    client = Client.for_backend(site, "lab.tables")
    client.db_file = tmp_path / "lab.db"
    yield client
    markup.set_debug(False)


@pytest.fixture()
def admin(client):
    client.login("ann", roles=["admin"])
    return client


def rows_in(client, sql: str) -> list:
    with sqlite3.connect(client.db_file) as db:
        return db.execute(sql).fetchall()


def page(response):
    assert response.status < 500, response.text
    assert html5_errors(response.body) == []
    return html.document_fromstring(response.body)


def texts(root, path: str) -> list[str]:
    return [e.text_content().strip() for e in root.xpath(path)]


def add_racks(client, *names):
    for name in names:
        r = client.post("/racks/add", data={"name": name, "slots": "10"})
        assert r.status == 303, r.text


def test_anyone_reads_an_empty_table_but_only_writers_write(client):
    root = page(client.get("/racks/", headers=XHTML))
    assert texts(root, "//h1") == ["Racks"]
    assert texts(root, "//*[@id='table-empty']") == ["No racks yet."]
    assert root.xpath("//a[@href='/racks/add']") == []              # no way in for a reader
    assert client.get("/racks/add").status == 401
    client.login("bob", roles=["viewer"])
    assert client.get("/racks/add").status == 403
    assert client.post("/racks/add", data={"name": "r1"}).status == 403
    assert rows_in(client, "SELECT name FROM racks") == []


def test_add_then_list_with_a_flash_message(admin):
    root = page(admin.get("/racks/"))
    assert root.xpath("//a[@class='button'][@href='/racks/add']")
    form = page(admin.get("/racks/add")).xpath("//form[@id='row-form']")[0]
    assert form.get("action") == "/racks/add" and form.get("method") == "post"
    assert [i.get("name") for i in form.xpath(".//input[@name]|.//textarea")] == [
        "csrf_token", "name", "slots", "note"]
    r = admin.post("/racks/add", data={"name": "r1", "slots": "12", "note": "by the door"})
    assert r.status == 303 and r.location == "/racks/?flash=added"
    root = page(admin.get(r.location))
    assert texts(root, "//p[contains(@class, 'flash')]") == ["Added."]
    assert [[td.text_content() for td in tr] for tr in root.xpath("//table[@id='table']/tbody/tr")] == [
        ["r1", "12", "by the door"]]
    assert root.xpath("//table[@id='table']/tbody//a")[0].get("href") == "/racks/1/"
    assert rows_in(admin, "SELECT name, slots, note FROM racks") == [("r1", 12, "by the door")]


def test_pages_sorts_and_searches(admin):
    add_racks(admin, "r5", "r3", "r1", "r4", "r2", "a%b", "axb")
    root = page(admin.get("/racks/"))                   # sorted by name by default, 3 a page
    assert texts(root, "//table[@id='table']/tbody/tr/td[1]") == ["a%b", "axb", "r1"]
    assert texts(root, "//*[@id='table-range']") == ["1–3 of 7"]
    assert root.xpath("//th[@aria-sort='ascending']/a")[0].get("href") == "/racks/?sort=-name"
    assert texts(root, "//nav[@class='paging']//*[@aria-current='page']") == ["1"]
    assert [a.get("href") for a in root.xpath("//nav[@class='paging']//a")] == [
        "/racks/?page=2", "/racks/?page=3", "/racks/?page=2"]            # 2, 3, Next
    root = page(admin.get("/racks/?page=3"))
    assert texts(root, "//table[@id='table']/tbody/tr/td[1]") == ["r5"]
    assert root.xpath("//nav[@class='paging']//a[@rel='prev']")[0].get("href") == "/racks/?page=2"
    root = page(admin.get("/racks/?sort=-name&page=2"))
    assert texts(root, "//table[@id='table']/tbody/tr/td[1]") == ["r2", "r1", "axb"]
    assert root.xpath("//th[@aria-sort='descending']/a")[0].get("href") == "/racks/?sort=name"
    assert "sort=-name" in root.xpath("//nav[@class='paging']//a")[0].get("href")    # pages keep the sort
    # A search is a substring, the user's % and _ are literal characters
    root = page(admin.get("/racks/", query={"q": "%"}))
    assert texts(root, "//table[@id='table']/tbody/tr/td[1]") == ["a%b"]
    assert root.xpath("//form[@role='search']//input[@name='q']")[0].get("value") == "%"
    root = page(admin.get("/racks/", query={"q": "nothing"}))
    assert texts(root, "//*[@id='table-empty']") == ["No racks match “nothing”."]
    for bad in ("page=0", "page=x", "sort=nope", "sort=id;drop", "q=" + "x" * 101):
        assert admin.get("/racks/?" + bad).status == 400, bad
    assert admin.get("/racks/?page=4").status == 404


def test_view_edit_and_the_foreign_key_shows_its_row(admin):
    add_racks(admin, "left")
    r = admin.post("/devices/add", data={"name": "sw1", "rack_id": "1", "position": "3"})
    assert r.status == 303
    root = page(admin.get("/devices/"))
    assert [[td.text_content() for td in tr] for tr in root.xpath("//table[@id='table']/tbody/tr")] == [
        ["sw1", "left", "3", "2024-05-01 12:30"]]
    assert texts(root, "//th[@class='number']") == ["Position"]           # figures to the right
    assert len(root.xpath("//table[@id='table']/tbody//td[@class='number']")) == 1
    root = page(admin.get("/devices/1/"))
    assert texts(root, "//h1") == ["Device sw1"]
    assert dict(zip(texts(root, "//dl[@id='row']/dt"), texts(root, "//dl[@id='row']/dd"))) == {
        "Id": "1", "Name": "sw1", "Rack": "left", "Position": "3", "Created": "2024-05-01 12:30"}
    assert [a.get("href") for a in root.xpath("//*[@class='buttons']/a")] == ["/devices/1/edit", "/devices/1/delete"]
    form = page(admin.get("/devices/1/edit")).xpath("//form[@id='row-form']")[0]
    assert form.xpath(".//input[@name='name']")[0].get("value") == "sw1"
    assert form.xpath(".//select[@name='rack_id']/option[@selected]")[0].text == "left"
    assert form.xpath(".//input[@name='id']|.//input[@name='created']") == []
    r = admin.post("/devices/1/edit", data={"name": "sw1b", "rack_id": "", "position": ""})
    assert r.status == 303 and r.location == "/devices/?flash=saved"
    assert rows_in(admin, "SELECT name, rack_id, position FROM devices") == [("sw1b", None, None)]
    client_view = page(admin.get("/devices/1/"))
    assert dict(zip(texts(client_view, "//dt"), texts(client_view, "//dd")))["Rack"] == "—"


def test_a_name_taken_is_shown_on_its_field_and_nothing_is_stored(admin):
    add_racks(admin, "r1", "r2")
    r = admin.post("/racks/add", data={"name": "r1", "slots": "7", "note": "again"})
    assert r.status == 409
    root = page(r)
    field = root.xpath("//div[contains(@class, 'field') and contains(@class, 'error')]")[0]
    assert texts(field, ".//span[@class='error']") == ["Another rack has this name."]
    assert field.xpath(".//input")[0].get("value") == "r1"               # the values are kept
    assert root.xpath("//textarea[@name='note']")[0].text == "again"
    assert rows_in(admin, "SELECT name, slots FROM racks ORDER BY id") == [("r1", 10), ("r2", 10)]
    # editing r2 into r1's name: refused the same way, r2 unchanged
    r = admin.post("/racks/2/edit", data={"name": "r1", "slots": "9"})
    assert r.status == 409
    assert texts(page(r), "//div[contains(@class, 'error')]/span[@class='error']") == ["Another rack has this name."]
    assert rows_in(admin, "SELECT name, slots FROM racks ORDER BY id") == [("r1", 10), ("r2", 10)]
    # keeping its own name is no conflict
    assert admin.post("/racks/2/edit", data={"name": "r2", "slots": "9"}).status == 303


def test_a_unique_pair_is_shown_on_its_first_field(admin):
    add_racks(admin, "left")
    assert admin.post("/devices/add", data={"name": "a", "rack_id": "1", "position": "1"}).status == 303
    r = admin.post("/devices/add", data={"name": "b", "rack_id": "1", "position": "1"})
    assert r.status == 409
    root = page(r)
    assert texts(root, "//div[contains(@class, 'error')]/label") == ["Rack"]
    assert texts(root, "//div[contains(@class, 'error')]/span[@class='error']") == ["Another device has this rack and position."]
    assert rows_in(admin, "SELECT name FROM devices") == [("a",)]


def test_a_value_that_does_not_convert_changes_nothing(admin):
    add_racks(admin, "r1")
    r = admin.post("/racks/1/edit", data={"name": "renamed", "slots": "61"})
    assert r.status == 422
    root = page(r)
    assert texts(root, "//div[contains(@class, 'error')]/span[@class='error']") == ["Between 1 and 60."]
    assert root.xpath(".//input[@name='name']")[0].get("value") == "renamed"
    assert rows_in(admin, "SELECT name, slots FROM racks") == [("r1", 10)]
    r = admin.post("/racks/add", data={"name": "", "slots": "x"})
    assert r.status == 422 and len(page(r).xpath("//div[contains(@class, 'field') and contains(@class, 'error')]")) == 2
    assert rows_in(admin, "SELECT count(*) FROM racks") == [(1,)]


def test_delete_asks_first(admin):
    add_racks(admin, "r1")
    root = page(admin.get("/racks/1/delete"))
    assert texts(root, "//h1") == ["Delete rack r1?"]
    form = root.xpath("//form[@id='delete-form']")[0]
    assert form.get("method") == "post" and form.get("action") == "/racks/1/delete"
    button = form.xpath(".//button[@type='submit']")[0]
    assert (button.get("name"), button.get("value"), button.get("class")) == ("confirm", "yes", "danger")
    assert root.xpath("//a[@href='/racks/1/']")                          # Cancel
    # A post without the button's answer (a form sent as it is shown) asks again
    assert admin.post("/racks/1/delete", data={}).status == 200
    assert rows_in(admin, "SELECT count(*) FROM racks") == [(1,)]
    r = admin.post("/racks/1/delete", data={"confirm": "yes"})
    assert r.status == 303 and r.location == "/racks/?flash=deleted"
    assert texts(page(admin.get(r.location)), "//p[contains(@class, 'flash')]") == ["Deleted."]
    assert rows_in(admin, "SELECT count(*) FROM racks") == [(0,)]
    assert admin.get("/racks/1/").status == 404


def test_a_delete_the_database_refuses_is_said_on_the_page(admin, client):
    add_racks(admin, "r1")
    with sqlite3.connect(client.db_file) as db:     # a row that refers to it, which the ORM
        db.execute("CREATE TABLE cables (rack_id INTEGER NOT NULL REFERENCES racks (id))")
        db.execute("INSERT INTO cables VALUES (1)")      # does not know about
    r = admin.post("/racks/1/delete", data={"confirm": "yes"})
    assert r.status == 409
    flash = texts(page(r), "//p[@class='flash error']")[0]
    assert flash.startswith("The rack was not deleted: it conflicts with what is stored:")
    assert rows_in(admin, "SELECT count(*) FROM racks") == [(1,)]


def test_wrong_methods_keys_and_pages(admin):
    add_racks(admin, "r1")
    r = admin.post("/racks/", data={})
    assert r.status == 405 and r.headers.get("Allow") == "GET, HEAD"
    assert admin.post("/racks/1/", data={}).status == 405
    assert admin.get("/racks/2/").status == 404
    assert admin.get("/racks/abc/").status == 404
    assert admin.get("/racks/1/add").status == 404
    assert admin.get("/racks/1/nothing").status == 404
    assert admin.head("/racks/1/").status == 200
    # a post without the session's CSRF token never reaches the pages
    admin.csrf = False
    assert admin.post("/racks/add", data={"name": "r9"}).status == 403


def test_every_link_is_get_url_of_the_one_route(admin):
    add_racks(admin, "r1")
    urls = admin.get("/racks/1/").text
    hrefs = set(re.findall(r'href="(/racks/[^"]*)"', urls))
    assert hrefs == {"/racks/", "/racks/1/edit", "/racks/1/delete"}


def test_what_table_pages_refuse_to_be_built_for():
    from webapps.tables.models import Port, Rack
    with pytest.raises(ValueError, match="primary key of one"):
        TablePages(Port)
    with pytest.raises(ValueError, match="search column 'slots' is not text"):
        TablePages(Rack, search=["slots"])
    with pytest.raises(ValueError, match="cannot sort by 'nope'"):
        TablePages(Rack, sort="nope")
    with pytest.raises(ValueError, match="no column 'nope'"):
        TablePages(Rack, columns=["nope"])
    with pytest.raises(ValueError, match="ANYONE, LOGGED_IN"):
        TablePages(Rack, roles="admin")
