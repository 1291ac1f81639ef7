"""The demo's hosts page (js/hosts.js) in headless Chromium through the real farm: the db backend
(its own user, its own SQLite database) serves the database JSON API at /data/api; the page
lists, filters, sorts, pages, adds, edits and deletes hosts without a page load. Anyone may look;
only a logged-in admin may change anything, and an anonymous create writes nothing."""
import pytest

ADMIN, PASSWORD = "hosts-admin", "hosts-admin-pw-1"

CREATE_ANONYMOUSLY = """async () => {
    const { connect } = await import("/pwww/proxy.js");
    const db = await connect("/data/api");
    let refused;
    try { await db.create("hosts", { name: "bt-anonymous" }); } catch (e) { refused = [e.code, e.type]; }
    const after = await db.query("hosts", { name: "bt-anonymous" });
    return { refused, total: after.total };
}"""


@pytest.fixture(scope="module")
def admin(farm):
    proc = farm.ctl("user", "add", ADMIN, "--roles", "admin", input=PASSWORD + "\n", check=False)
    assert proc.returncode == 0 or "exists" in proc.stderr, proc.stderr
    return ADMIN


def login(page, base_url):
    page.goto(f"{base_url}/auth/login?next=/hosts")
    page.fill("input[name=name]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url(f"{base_url}/hosts")


def live(page):
    """Wait for js/hosts.js to be running; then a mark that survives only without a page load."""
    page.wait_for_selector("body.live", state="attached")
    page.evaluate("window.pwwwMark = 1")
    return lambda: page.evaluate("window.pwwwMark") == 1


def wait_text(page, selector, text):
    page.wait_for_function("([s, t]) => document.querySelector(s).textContent.includes(t)",
                           arg=[selector, text])


def rows(page) -> list[list[str]]:
    return page.eval_on_selector_all("#hosts-table tbody tr",
                                     "trs => trs.map(tr => [...tr.cells].map(td => td.textContent))")


def test_anyone_may_look_but_not_change(page, base_url):
    page.goto(f"{base_url}/hosts")
    live(page)
    assert page.locator("#hosts-login").count() == 1              # says how to log in
    assert page.locator("#host-form").count() == 0 and page.locator("button.delete").count() == 0
    assert page.evaluate(CREATE_ANONYMOUSLY) == {"refused": [-32001, "LoginRequired"], "total": 0}
    assert page.errors == []


def test_an_admin_manages_hosts_without_page_loads(page, base_url, admin):
    login(page, base_url)
    still_here = live(page)
    for i in range(12):
        page.fill("#host-form input[name=name]", f"bt-{i:02d}")
        page.fill("#host-form input[name=address]", f"10.9.0.{i}")
        page.select_option("#host-form select[name=group_id]", label="lab" if i == 0 else "(none)")
        page.click("#host-save")
        wait_text(page, "#hosts-message", f"Added bt-{i:02d}.")
    # Filter to this test's hosts: ten to a page, sorted by name.
    page.fill("#hosts-filter input[name=name]", "bt-")
    page.click("#hosts-filter [type=submit]")
    wait_text(page, "#hosts-range", "1–10 of 12")
    assert [r[0] for r in rows(page)] == [f"bt-{i:02d}" for i in range(10)]
    page.click("#hosts-next")
    wait_text(page, "#hosts-range", "11–12 of 12")
    assert [r[0] for r in rows(page)] == ["bt-10", "bt-11"] and page.is_disabled("#hosts-next")
    # Sort: name again is descending.
    page.click("button.sort[data-column=name]")
    wait_text(page, "#hosts-range", "1–10 of 12")
    assert rows(page)[0][0] == "bt-11" and page.get_attribute("button.sort[data-column=name]", "class") == "sort desc"
    # Edit the first row.
    page.click("#hosts-table tbody tr:first-child button.edit")
    # .value, not input_value: Playwright expects upper-case node names, and these pages are XHTML.
    assert page.eval_on_selector("#host-form input[name=name]", "e => e.value") == "bt-11"
    page.fill("#host-form input[name=address]", "192.0.2.11")
    page.click("#host-save")
    wait_text(page, "#hosts-message", "Saved bt-11.")
    wait_text(page, "#hosts-table tbody tr:first-child", "192.0.2.11")
    # Delete it.
    page.click("#hosts-table tbody tr:first-child button.delete")
    wait_text(page, "#hosts-message", "Deleted bt-11.")
    wait_text(page, "#hosts-range", "of 11")
    assert "bt-11" not in [r[0] for r in rows(page)]
    # A name that exists: the server's conflict is shown, nothing is added.
    page.fill("#host-form input[name=name]", "bt-00")
    page.click("#host-save")
    wait_text(page, "#hosts-message", "Not saved: Conflict")
    # Filter by group as well.
    page.select_option("#hosts-filter select[name=group_id]", label="lab")
    page.click("#hosts-filter [type=submit]")
    wait_text(page, "#hosts-range", "1–1 of 1")
    assert rows(page)[0][:4] == ["bt-00", "10.9.0.0", "", "lab"]
    assert still_here() and page.errors == []
