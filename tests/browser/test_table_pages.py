"""The demo's table pages (pycopia_www.ui.tables in the db backend, /tables/hosts/ and
/tables/groups/) in headless Chromium through the real farm, without any JavaScript of theirs:
an admin adds hosts, a name that is taken is refused on its field with what was typed kept, the
list searches, sorts and pages, a delete asks first; anyone may read, nobody else may write, and
the menu's entries are the writers'. The JavaScript hosts page at /hosts stays as it was
(test_hosts_page.py)."""
import pytest

ADMIN, PASSWORD = "tables-admin", "tables-admin-pw-1"


@pytest.fixture(scope="module")
def admin(farm):
    proc = farm.ctl("user", "add", ADMIN, "--roles", "admin", input=PASSWORD + "\n", check=False)
    assert proc.returncode == 0 or "exists" in proc.stderr, proc.stderr
    return ADMIN


def log_in(page, base_url, then: str):
    page.goto(f"{base_url}/auth/login?next={then}")
    page.fill("input[name=name]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{base_url}{then}")


def cells(page, column: int) -> list[str]:
    return page.locator(f"#table tbody tr td:nth-child({column})").all_inner_texts()


def add_host(page, name: str, address: str, group: str = "lab"):
    page.click("a.button >> text=Add host")
    page.wait_for_url("**/tables/hosts/add")
    page.fill("input[name=name]", name)
    page.fill("input[name=address]", address)
    page.select_option("select[name=group_id]", label=group)
    page.click("#row-form [type=submit]")


def test_an_admin_adds_searches_sorts_and_deletes_hosts(page, base_url, admin):
    log_in(page, base_url, "/")
    menu = page.locator("nav.menu a").all_inner_texts()
    assert "Hosts" in menu and "Groups" in menu
    page.click("nav.menu >> text=Hosts")
    page.wait_for_url(f"{base_url}/tables/hosts/")
    assert page.locator('nav.menu a[aria-current="page"]').inner_text() == "Hosts"
    for i in range(3):
        add_host(page, f"tp-{i}", f"192.0.2.{i}")
        page.wait_for_url("**/tables/hosts/?flash=added")
        assert page.locator("p.flash").inner_text() == "Added."
    # The same name again: refused on its field, what was typed is still there, nothing added.
    add_host(page, "tp-1", "198.51.100.7", group="office")
    error = page.locator("div.field.error")
    assert error.locator("span.error").inner_text() == "Another host has this name."
    assert error.locator("input").evaluate("e => e.value") == "tp-1"
    assert page.locator("input[name=address]").evaluate("e => e.value") == "198.51.100.7"
    assert page.locator("select[name=group_id] option:checked").inner_text() == "office"
    assert page.locator("input[name=name]").evaluate("e => e.getAttribute('aria-invalid')") == "true"
    page.click("a >> text=Back to Hosts")
    # Search, then sort by name descending from its header.
    page.fill("#table-search input[name=q]", "tp-")
    page.click("#table-search [type=submit]")
    page.wait_for_url("**/tables/hosts/?q=tp-")
    assert cells(page, 1) == ["tp-0", "tp-1", "tp-2"] and cells(page, 5) == ["lab"] * 3
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Name")
    page.click("th >> text=Name")
    page.wait_for_url("**/tables/hosts/?q=tp-&sort=-name")
    assert cells(page, 1) == ["tp-2", "tp-1", "tp-0"]
    # A row's page; its delete asks first, and Cancel keeps it.
    page.click("#table >> text=tp-1")
    page.wait_for_url("**/tables/hosts/*/")
    assert page.locator("h1").inner_text() == "Host tp-1"
    view = page.url
    page.click(".buttons >> text=Delete")
    page.wait_for_url("**/delete")
    assert page.locator("h1").inner_text() == "Delete host tp-1?"
    page.click("text=Cancel")
    page.wait_for_url(view)
    page.click(".buttons >> text=Delete")
    page.click("#delete-form button.danger")
    page.wait_for_url("**/tables/hosts/?flash=deleted")
    assert page.locator("p.flash").inner_text() == "Deleted."
    page.goto(f"{base_url}/tables/hosts/?q=tp-")
    assert cells(page, 1) == ["tp-0", "tp-2"]
    # Edit one: the form holds the row, the change is stored.
    page.click("#table >> text=tp-2")
    page.click(".buttons >> text=Edit")
    assert page.locator("input[name=name]").evaluate("e => e.value") == "tp-2"
    page.fill("input[name=address]", "192.0.2.22")
    page.click("#row-form [type=submit]")
    page.wait_for_url("**/tables/hosts/?flash=saved")
    page.goto(f"{base_url}/tables/hosts/?q=tp-2")
    assert cells(page, 2) == ["192.0.2.22"]
    for name in ("tp-0", "tp-2"):           # leave the table as it was
        page.goto(f"{base_url}/tables/hosts/?q={name}")
        page.click(f"#table >> text={name}")
        page.click(".buttons >> text=Delete")
        page.click("#delete-form button.danger")
        page.wait_for_url("**/tables/hosts/?flash=deleted")
    assert page.errors == []


def test_anyone_may_read_but_not_write_and_sees_no_entries(page, base_url):
    page.goto(f"{base_url}/tables/groups/")
    assert cells(page, 1)[:3] == ["lab", "office", "servers"]
    assert page.locator("a.button >> text=Add group").count() == 0
    assert "Hosts" not in page.locator("nav.menu a").all_inner_texts()
    page.click("#table >> text=lab")
    assert page.locator("dl#row").is_visible() and page.locator(".buttons").count() == 0
    response = page.goto(f"{base_url}/tables/groups/add")
    assert response.status == 401
    assert page.locator("p.reason").inner_text() == "Log in to change groups."
    page.click("header a.login")            # the header's link comes back here after the login
    assert "next=/tables/groups/add" in page.url
    assert page.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_table_renders_in_both_schemes(browser, base_url, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1000, "height": 700})
    try:
        page = context.new_page()
        page.goto(f"{base_url}/tables/groups/")
        odd, even = page.evaluate("""() => [...document.querySelectorAll("#table tbody tr")]
            .slice(0, 2).map((tr) => getComputedStyle(tr).backgroundColor)""")
        assert odd != even                   # zebra rows
        body = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert body == ("rgb(18, 20, 23)" if scheme == "dark" else "rgb(255, 255, 255)")
        arrow = page.evaluate("""() => getComputedStyle(
            document.querySelector("th[aria-sort=ascending] a"), "::after").content""")
        assert arrow == '" ▲"'
        assert len(page.screenshot()) > 1000
    finally:
        context.close()
