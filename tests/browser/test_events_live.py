"""Live updates in headless Chromium through the real farm (lighttpd, the events backend and the
ui backend that publishes under this run's test users): the home page's status panel is pushed,
not polled; a note added on one page appears on another; the declarative binding writes text and
safe attributes only; a stream that may not open is refused, and a logout ends a protected one."""
import pwd
import socket

import pytest

from farmkit import test_user

USER, PASSWORD = "events-tester", "events-pw-1"


def requests_to(page, path):
    seen = []
    page.on("request", lambda r: seen.append(r.url) if path in r.url else None)
    return seen


def wait_open(page):
    page.wait_for_selector("html[data-pwww-events=open]", state="attached", timeout=15_000)


def test_the_status_panel_is_pushed_without_polling(page, base_url):
    api = requests_to(page, "/api/demo")
    streams = requests_to(page, "/events?")
    page.goto(f"{base_url}/")
    wait_open(page)
    page.evaluate("window.pwwwMark = 1")
    for _ in range(2):          # two events after the page was built
        before = page.locator("#status-updated").text_content()
        page.wait_for_function("(t) => document.getElementById('status-updated').textContent !== t",
                               arg=before, timeout=15_000)
    assert page.evaluate("window.pwwwMark") == 1 and page.errors == []     # no page load
    assert page.locator("#status-hostname").text_content() == socket.gethostname()
    # The publisher is a worker of the ui backend, under its own user.
    publisher = int(page.locator("#status-publisher").text_content())
    with open(f"/proc/{publisher}/status") as f:
        uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
    assert uid == pwd.getpwnam(test_user("ui")).pw_uid
    # One stream, no status calls: the proxy is asked only to set up the page's other parts.
    assert len(streams) == 1 and "topic=demo.status" in streams[0]
    assert not any("status" in url for url in api)


def test_a_note_added_on_one_page_appears_on_the_other(browser, base_url):
    writer, reader = browser.new_context().new_page(), browser.new_context().new_page()
    try:
        for p in (writer, reader):
            p.goto(f"{base_url}/notes")
            wait_open(p)
        reader.evaluate("window.pwwwMark = 1")
        text = "pushed <b>to the other</b> page"
        writer.fill("input[name=text]", text)
        writer.click("form [type=submit]")
        item = reader.locator("#notes li", has_text="pushed")
        item.wait_for(timeout=15_000)
        assert item.last.text_content() == text and reader.locator("#notes b").count() == 0
        assert reader.evaluate("window.pwwwMark") == 1          # it came without a reload
    finally:
        writer.context.close()
        reader.context.close()


def test_the_declarative_binding_writes_text_and_safe_attributes_only(page, blank, base_url):
    result = page.evaluate("""async () => {
        document.body.innerHTML = `
            <p id="text" data-topic="notes.added" data-field="text">old</p>
            <p id="attr" data-topic="notes.added" data-field="text" data-attribute="title">x</p>
            <a id="bad" href="#" data-topic="notes.added" data-field="text" data-attribute="href">y</a>
            <p id="handler" data-topic="notes.added" data-field="text" data-attribute="onclick">z</p>`;
        const errors = [];
        window.addEventListener("error", (e) => errors.push(e.message));
        const events = await import("/pwww/events.js");
        events.bind(document);
        await new Promise((resolve) => {
            const stop = events.onStatus((s) => { if (s === "open") { stop(); resolve(); } });
            if (events.status() === "open") resolve();
        });
        return errors;
    }""")
    assert len(result) == 2 and all("is not one an event may set" in e for e in result)
    token = page.context.request.get(f"{base_url}/notes").text()
    csrf = token.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    text = '<img src=x onerror="alert(1)">'
    page.context.request.post(f"{base_url}/notes", form={"text": text, "csrf_token": csrf},
                              max_redirects=0)
    page.wait_for_function("(t) => document.getElementById('text').textContent === t", arg=text,
                           timeout=15_000)
    assert page.locator("#attr").get_attribute("title") == text
    assert page.locator("#bad").get_attribute("href") == "#"
    assert page.locator("#handler").get_attribute("onclick") is None
    assert page.locator("img").count() == 0


@pytest.fixture(scope="module")
def account(farm):
    proc = farm.ctl("user", "add", USER, "--roles", "admin", input=PASSWORD + "\n", check=False)
    assert proc.returncode == 0 or "exists" in proc.stderr, proc.stderr
    return USER


SUBSCRIBE = """(topic) => new Promise(async (resolve) => {
    const events = await import("/pwww/events.js");
    window.states = [];
    events.onStatus((s) => window.states.push(s));
    events.subscribe(topic, () => {});
    const wait = setInterval(() => {
        if (window.states.includes("open") || window.states.includes("closed")) {
            clearInterval(wait);
            resolve(events.status());
        }
    }, 20);
})"""


def test_a_protected_topic_needs_a_login_and_a_logout_ends_its_stream(page, blank, base_url, account):
    assert page.evaluate(SUBSCRIBE, "sys.load") == "closed"            # 401: not logged in
    page.goto(f"{base_url}/auth/login?next=/browser-test/blank.html")
    page.fill("input[name=name]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url(f"{base_url}/browser-test/blank.html")
    assert page.evaluate(SUBSCRIBE, "sys.load") == "open"
    # Log out in another tab of the same browser: this page's stream ends at once (the auth
    # backend tells the events backend), and the reconnect is refused.
    other = page.context.new_page()
    other.goto(f"{base_url}/sys/")
    other.click("#logout [type=submit]")
    other.wait_for_url(f"{base_url}/auth/login")
    page.wait_for_function("window.states.at(-1) === 'closed'", timeout=15_000)
    assert page.errors == []
