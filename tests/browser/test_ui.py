"""The shipped layout on the demo, in headless Chromium through the real farm: the menu differs
for anonymous and admin users, accessibility basics (landmarks, labels tied to inputs, the menu
by keyboard, visible focus), the dark scheme, and settings applied with rollback: reverted by
the server when nobody confirms, kept when the confirm button is pressed in time."""
import json

import pytest

ADMIN, PASSWORD = "ui-admin", "ui-admin-pw-1"
PAGES = ["/", "/notes", "/settings", "/auth/login"]


@pytest.fixture(scope="module")
def admin(farm):
    proc = farm.ctl("user", "add", ADMIN, "--roles", "admin", input=PASSWORD + "\n", check=False)
    assert proc.returncode == 0 or "exists" in proc.stderr, proc.stderr
    return ADMIN


def log_in(page, base_url):
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=name]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{base_url}/")


def menu(page) -> list[str]:
    return page.locator("nav.menu a").all_inner_texts()


def test_the_menu_differs_for_anonymous_and_admin_users(page, base_url, admin):
    page.goto(f"{base_url}/")
    assert menu(page) == ["Home", "Notes", "Settings"]
    assert page.locator("header .who a.login").inner_text() == "Log in"
    log_in(page, base_url)
    # entries of the sys backend (another process, another user) appear for a logged-in user,
    # and the table pages' entries (db backend) for one who may change the rows
    assert menu(page) == ["Home", "Notes", "Settings", "Hosts", "Groups", "System", "Run as me"]
    assert [s.lower() for s in page.locator("nav.menu .section-name").all_inner_texts()] == [
        "data", "administration"]
    assert f"Logged in as {ADMIN}" in page.locator("header .who").inner_text()
    page.click("nav.menu >> text=System")
    page.wait_for_url(f"{base_url}/sys/")
    assert page.locator('nav.menu a[aria-current="page"]').inner_text() == "System"
    page.click("#logout [type=submit]")
    page.wait_for_url(f"{base_url}/auth/login")
    page.goto(f"{base_url}/")
    assert menu(page) == ["Home", "Notes", "Settings"]
    assert page.errors == []


@pytest.mark.parametrize("path", PAGES)
def test_landmarks_and_labels(page, base_url, path):
    page.goto(f"{base_url}{path}")
    for role, name in (("banner", None), ("navigation", "Main menu"), ("main", None), ("contentinfo", None)):
        assert page.get_by_role(role, name=name).count() == 1, role
    unlabelled = page.evaluate("""() => [...document.querySelectorAll("input, select, textarea")]
        .filter((e) => !["hidden", "submit", "button", "reset"].includes(e.type))
        .filter((e) => e.labels.length === 0).map((e) => e.name)""")
    assert unlabelled == []
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("h1").count() == 1


def test_the_menu_works_by_keyboard_with_a_visible_focus(page, base_url):
    page.goto(f"{base_url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"      # skip link first
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('nav.menu') !== null"):
            break
    assert page.evaluate("document.activeElement.textContent") == "Home"
    outline = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert outline[0] != "none" and outline[1] >= 2
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/notes")
    # the skip link takes the focus to the content
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


@pytest.mark.parametrize("scheme,background", [("light", "rgb(255, 255, 255)"),
                                               ("dark", "rgb(18, 20, 23)")])
def test_light_and_dark_schemes_render(browser, base_url, scheme, background):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1000, "height": 700})
    try:
        page = context.new_page()
        page.goto(f"{base_url}/settings")
        colours = page.evaluate("""() => [getComputedStyle(document.body).backgroundColor,
            getComputedStyle(document.body).color,
            getComputedStyle(document.querySelector("header.site")).backgroundColor]""")
        assert colours[0] == background and colours[1] != colours[0] and colours[2] != colours[0]
        # wide screen: the menu beside the content; the phone layout puts it above
        nav, main = page.locator("nav.menu").bounding_box(), page.locator("main").bounding_box()
        assert nav["x"] + nav["width"] <= main["x"] + 1
        page.set_viewport_size({"width": 380, "height": 700})
        nav, main = page.locator("nav.menu").bounding_box(), page.locator("main").bounding_box()
        assert nav["y"] + nav["height"] <= main["y"] + 1
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert len(page.screenshot()) > 1000
    finally:
        context.close()


def _settings(ui_state) -> dict:
    return json.loads((ui_state / "settings.json").read_text())


def test_applied_settings_are_reverted_unless_confirmed(page, base_url, ui_state):
    page.goto(f"{base_url}/settings")
    page.fill("input[name=site_name]", "Before")
    page.click("input[type=submit]")                            # saved for good (proxy)
    page.wait_for_function("() => document.getElementById('settings-result').textContent.startsWith('Saved')")
    # applied on probation (a proxy call with a short rollback), then nobody confirms
    page.goto(f"{base_url}/browser-test/blank.html")
    pending = page.evaluate("""async () => {
        const { connect } = await import("/pwww/proxy.js");
        return (await connect("/api/demo")).apply_settings(
            {site_name: "On probation", refresh_seconds: 5, rollback_after: 3});
    }""")
    assert _settings(ui_state)["site_name"] == "On probation"
    page.goto(f"{base_url}/settings")
    assert page.locator("#pending").is_visible()
    first = page.locator("#countdown").inner_text()
    # the page counts down, then shows the settings again: the server reverted them by itself
    page.wait_for_url("**/settings?flash=reverted", timeout=15000)
    assert int(first.split()[0]) <= 3
    assert page.locator("p.flash").inner_text().startswith("The change was not confirmed")
    assert page.locator("input[name=site_name]").evaluate("e => e.value") == "Before"
    assert _settings(ui_state)["site_name"] == "Before"
    assert not (ui_state / "settings.json.pending").exists()
    page.goto(f"{base_url}/browser-test/blank.html")
    assert page.evaluate("""async (token) => {
        const { connect } = await import("/pwww/proxy.js");
        return (await connect("/api/demo")).confirm_settings(token);
    }""", pending["token"]) is False                            # too late
    assert page.errors == []


def test_the_apply_button_then_confirm_keeps_the_change(page, base_url, ui_state):
    page.goto(f"{base_url}/settings")
    page.fill("input[name=site_name]", "Kept")
    page.click("button[value=apply]")                          # a plain post, with rollback
    page.wait_for_url("**/settings?flash=applied")
    assert page.locator("p.flash").inner_text().startswith("Applied.")
    assert page.locator("#pending .countdown").inner_text().endswith(" s")
    assert _settings(ui_state)["site_name"] == "Kept"
    page.click("#confirm-form [type=submit]")
    page.wait_for_url("**/settings?flash=confirmed")
    assert page.locator("#pending").count() == 0
    assert not (ui_state / "settings.json.pending").exists()
    assert _settings(ui_state)["site_name"] == "Kept"
    page.goto(f"{base_url}/")
    assert page.locator("header .site-name").inner_text() == "Kept"
    assert page.errors == []
