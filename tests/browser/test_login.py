"""Logging in with headless Chromium on the demo site (its own etc/backends.d, real lighttpd and
the auth backend as authorizer), then using the protected proxy at /sys/api from /pwww/proxy.js."""
import pytest

USER, PASSWORD = "browser-tester", "tester-pw-1"

CALL_STATUS = """async () => {
    const P = await import("/pwww/proxy.js");
    try {
        const sys = await P.connect("/sys/api");
        const status = await sys.status();
        return {ok: true, hostname: status.hostname, booted: status.booted instanceof Date};
    } catch (e) {
        return {ok: false, code: e.code, status: e.status};
    }
}"""


@pytest.fixture(scope="module")
def account(farm):
    proc = farm.ctl("user", "add", USER, "--roles", "admin", input=PASSWORD + "\n", check=False)
    assert proc.returncode == 0 or "exists" in proc.stderr, proc.stderr
    return USER


def test_login_then_protected_page_and_proxy_then_logout(page, base_url, account):
    page.goto(f"{base_url}/browser-test/blank.html")
    assert page.evaluate(CALL_STATUS) == {"ok": False, "code": -32001, "status": 401}

    page.goto(f"{base_url}/sys/")                      # not logged in: the login page
    assert page.url.startswith(f"{base_url}/auth/login?next=")
    page.fill("input[name=name]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url(f"{base_url}/sys/")
    assert f"Logged in as {USER}" in page.inner_text("div.who")

    cookie = next(c for c in page.context.cookies() if c["name"] == "pwww_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("pwww_session") == -1   # not readable by scripts

    result = page.evaluate(CALL_STATUS)                # same origin: the cookie goes along
    assert result["ok"] and result["hostname"] and result["booted"]

    page.click("#logout [type=submit]")
    page.wait_for_url(f"{base_url}/auth/login")
    assert page.evaluate(CALL_STATUS) == {"ok": False, "code": -32001, "status": 401}
    assert page.errors == []


def test_wrong_password_stays_on_the_login_page(page, base_url, account):
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=name]", USER)
    page.fill("input[name=password]", "wrong")
    page.click("form [type=submit]")
    assert "Wrong user name or password" in page.content()
    assert not any(c["name"] == "pwww_session" for c in page.context.cookies())
