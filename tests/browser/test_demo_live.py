"""The demo pages' live parts (js/demo.js) in headless Chromium through the real farm: the settings
form is saved through a proxy call (and, without scripts, by a plain form post), and rejected calls
are shown on the page. (The pushed status panel and notes: test_events_live.py.)"""
import json

import pytest

API = "/api/demo"


def proxy_calls(page) -> list:
    """The JSON-RPC entries the page sends to the demo proxy, as they are sent."""
    calls = []

    def record(request):
        if request.url.endswith(API) and request.method == "POST":
            body = json.loads(request.post_data)
            calls.append(body if isinstance(body, list) else [body])
    page.on("request", record)
    return calls


def save_settings(page, base_url, **settings):
    """Save settings through the proxy from a blank page (the way a script would)."""
    page.goto(f"{base_url}/browser-test/blank.html")
    return page.evaluate("""async (s) => {
        const { connect } = await import("/pwww/proxy.js");
        return (await connect("/api/demo")).save_settings(s);
    }""", settings)


def stay_on_page(page):
    """Wait for js/demo.js to be wired up, then mark the window: the mark survives only as long
    as no page load happens."""
    page.wait_for_selector("body.live", state="attached")
    page.evaluate("window.pwwwMark = 1")
    return lambda: page.evaluate("window.pwwwMark") == 1


def test_settings_saved_through_a_proxy_call(page, base_url, ui_state):
    calls = proxy_calls(page)
    page.goto(f"{base_url}/settings")
    still_here = stay_on_page(page)
    page.fill("input[name=site_name]", "  Lab box 7  ")
    page.fill("input[name=refresh_seconds]", "42")
    page.fill("textarea[name=motd]", "Back <soon>")
    page.click("input[type=submit]")
    page.wait_for_function("document.getElementById('settings-result').textContent.startsWith('Saved')")
    assert still_here() and page.errors == []
    assert [[c["method"] for c in batch] for batch in calls] == [["rpc.discover"], ["save_settings"]]
    assert calls[1][0]["params"] == {"site_name": "  Lab box 7  ", "refresh_seconds": 42, "motd": "Back <soon>"}
    # as the server saved it (read .value: Playwright's input_value expects upper-case HTML node names)
    assert page.locator("input[name=site_name]").evaluate("e => e.value") == "Lab box 7"
    saved = json.loads((ui_state / "settings.json").read_text())
    assert saved == {"site_name": "Lab box 7", "refresh_seconds": 42, "motd": "Back <soon>"}
    # The pages use what was saved.
    page.goto(f"{base_url}/")
    assert page.locator("h1").text_content() == "Lab box 7"
    assert page.locator("#motd").text_content() == "Back <soon>"


def test_a_rejected_save_is_shown_and_nothing_is_saved(page, base_url, ui_state):
    before = save_settings(page, base_url, site_name="Before", refresh_seconds=5)
    page.goto(f"{base_url}/settings")
    still_here = stay_on_page(page)
    page.fill("input[name=refresh_seconds]", "0")
    page.click("input[type=submit]")
    result = page.locator("#settings-result")
    page.wait_for_function("document.getElementById('settings-result').textContent !== ''")
    assert result.text_content() == "Publish the status every (seconds): Between 1 and 3600."
    assert result.get_attribute("class") == "error"
    assert json.loads((ui_state / "settings.json").read_text()) == before
    assert still_here() and page.errors == []


@pytest.mark.parametrize("accept,media_type", [(None, "application/xhtml+xml"), ("text/html", "text/html")])
def test_the_failing_call_is_shown(page, base_url, accept, media_type):
    # Chromium asks for XHTML; a text/html page must run the same script (demo-start.js).
    if accept:      # Chromium's own Accept wins over extra headers: rewrite the navigation's
        page.route(f"{base_url}/", lambda route: route.continue_(headers={**route.request.headers,
                                                                          "accept": accept}))
    response = page.goto(f"{base_url}/")
    assert response.headers["content-type"].startswith(media_type)
    page.click("#fail-button")          # waits for the script to enable it
    page.wait_for_function("document.getElementById('fail-result').textContent !== ''")
    assert page.locator("#fail-result").text_content() == \
        "Rejected with ValueError: This call fails on purpose. (code -32000)"
    assert page.errors == []


def test_settings_form_posts_without_scripts(browser, base_url, ui_state):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/settings")
        page.fill("input[name=site_name]", "No script")
        page.fill("input[name=refresh_seconds]", "9")
        page.click("input[type=submit]")
        page.wait_for_url("**/settings?flash=saved")
        assert page.locator("p.flash").text_content() == "Saved."
        assert json.loads((ui_state / "settings.json").read_text())["site_name"] == "No script"
        # a number field takes no letters in a browser; out of range, the server says so there
        page.fill("input[name=refresh_seconds]", "0")
        page.click("input[type=submit]")
        assert page.locator("#settings-form-refresh_seconds-error").text_content() == "Between 1 and 3600."
        assert page.locator("input[name=refresh_seconds]").evaluate("e => e.value") == "0"
        assert json.loads((ui_state / "settings.json").read_text())["refresh_seconds"] == 9
        page.goto(f"{base_url}/")
        assert page.locator("#fail-button").is_disabled()      # only the script can make it work
    finally:
        context.close()
