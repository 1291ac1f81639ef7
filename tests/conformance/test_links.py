"""A link check over the whole demo (both virtual hosts, logged out and logged in), through real
lighttpd so that static files count too: every href and src of every page answers 200 (after
redirects within the site), and every form's action takes the form as shown (tests/demo_crawl.py
fetches and submits them)."""
from demo_crawl import USER


def _broken(link) -> bool:
    if link.problem:
        return True
    if link.where == "form@action (POST)":
        # The route took the form: it answered with a page or a redirect; a login form sent as
        # shown (no password) is refused with 401, which is its answer. Not 403: the form's
        # CSRF token must work.
        return link.status is None or link.status in (403, 404, 405) or link.status >= 500
    return link.status != 200


def test_every_href_src_and_action_resolves(demo_crawl):
    broken = [link for link in demo_crawl.links if _broken(link)]
    assert not broken, "\n".join(f"{l.identity}: {l.page} {l.where} {l.url}: "
                                 f"{l.problem or l.status}" for l in broken)


def test_the_links_checked_are_all_the_demo_has(demo_crawl, demo_farm):
    port = demo_farm.port
    seen = {(link.identity, link.where, link.url.replace(f":{port}", "")) for link in demo_crawl.links}
    for identity in ("anonymous", USER):
        for host in ("appliance.local", "docs.local"):       # the framework's stylesheet and icon
            assert (identity, "link@href", f"http://{host}/pwww/pwww.css") in seen
            assert (identity, "link@href", f"http://{host}/pwww/favicon.svg") in seen
        assert (identity, "a@href", "http://docs.local/") in seen                 # the other host
        assert (identity, "a@href", "http://appliance.local/") in seen            # and back
        assert (identity, "script@src", "http://appliance.local/js/demo-start.js") in seen
        assert (identity, "a@href", "http://appliance.local/media/README.txt") in seen
        for action in ("/notes", "/settings", "/auth/login"):
            assert (identity, "form@action (POST)", f"http://appliance.local{action}") in seen
        assert (identity, "a@href", "http://appliance.local/tables/groups/1/") in seen   # table pages
    assert (USER, "form@action (POST)", "http://appliance.local/auth/logout") in seen
    assert (USER, "a@href", "http://appliance.local/sys/me") in seen
    for action in ("/tables/hosts/add", "/tables/groups/1/edit", "/tables/groups/1/delete"):
        assert (USER, "form@action (POST)", f"http://appliance.local{action}") in seen
