"""Every page of the demo passes the W3C Nu Html Checker (vnu --errors-only, vnu.jar from npm's
vnu-jar on Debian's Java) in both serialisations: both virtual hosts, logged out and logged in,
error pages, forms with their errors shown (tests/demo_crawl.py fetches them through real
lighttpd; tests/nucheck.py runs the checker once for the session). The pages the builder made
also pass the XHTML 1.0 Strict DTD (sent as XHTML) and html5lib (sent as text/html)."""
from nucheck import CANARIES
from pycopia_www.markup.validate import html5_errors, xhtml1_strict_errors

from demo_crawl import HTML, USER, XHTML


def test_the_checker_refuses_what_it_must(nu_report):
    for name, _, _, fragment in CANARIES:
        assert any(fragment in error for error in nu_report[name]), (name, nu_report[name])


def test_every_demo_page_passes_in_both_serialisations(nu_report, demo_documents):
    failing = {name: nu_report[name] for name, _, _ in demo_documents if nu_report[name]}
    assert not failing, "\n".join(f"{name}:\n  " + "\n  ".join(errors)
                                  for name, errors in failing.items())


def _pages(documents, *fragments):
    return [(name, body) for name, body, _ in documents if all(f in name for f in fragments)]


def test_the_pages_checked_are_all_the_demo_has(demo_documents, demo_farm):
    port = demo_farm.port
    for identity in ("anonymous", USER):
        for served in (f"200 {XHTML}", f"200 {HTML}"):
            for page in (f"appliance.local:{port}/ ", f"docs.local:{port}/ ", "/notes ",
                         "/settings ", "/auth/login "):
                assert _pages(demo_documents, f"{identity}: GET", page, served), (identity, page, served)
        for media_type in (XHTML, HTML):
            # error pages: both hosts' 404, a 405, a post refused by the CSRF check
            for host in ("appliance.local", "docs.local"):
                assert _pages(demo_documents, identity, f"{host}:{port}/no/such/page as {media_type}",
                              "-> 404")
            assert _pages(demo_documents, identity, f"/auth/logout as {media_type}", "-> 405")
            assert _pages(demo_documents, identity, f"POST http://appliance.local:{port}/notes as "
                                                    f"{media_type}", "-> 403")
            # forms with their errors on the page, in the serialisation asked for
            for why, text, status in [("an empty note", b"Write 1 to 200 characters.", 200),
                                      ("a refresh that is no number", b"Write a whole number.", 200),
                                      ("an empty site name", b"Required.", 200),
                                      ("a wrong password", b"Wrong user name or password.", 401)]:
                (found,) = _pages(demo_documents, identity, f"({why}) as {media_type}",
                                  f"-> {status} {media_type}")
                assert text in found[1], (found[0], why)
    (sys_page,) = _pages(demo_documents, f"{USER}: GET", "/sys/ ", f"200 {XHTML}")
    assert f"Logged in as <strong>{USER}</strong>".encode() in sys_page[1]
    assert _pages(demo_documents, f"{USER}: GET", "/sys/me ", f"200 {HTML}")


def test_builder_pages_pass_the_dtd_as_xhtml_and_html5lib_as_text_html(demo_documents):
    """XHTML 1.0 pages (the builder's XHTMLDocument) against the W3C DTD; the shipped layout's
    HTML5 pages (docs/decisions.md) as well-formed XML and with html5lib in both syntaxes."""
    xhtml = [(name, body) for name, body, served in demo_documents if served.startswith(XHTML)]
    html = [(name, body) for name, body, served in demo_documents
            if served.startswith(HTML) and b'xmlns="http://www.w3.org/1999/xhtml"' in body]
    assert len(xhtml) > 20 and len(html) > 20
    xhtml1 = [(name, body) for name, body in xhtml if b"-//W3C//DTD XHTML 1.0 Strict//EN" in body[:200]]
    assert {name: e for name, body in xhtml1 if (e := xhtml1_strict_errors(body))} == {}
    html5_xml = [(name, body) for name, body in xhtml if (name, body) not in xhtml1]
    assert {name: e for name, body in html5_xml if (e := html5_errors(body))} == {}
    assert {name: e for name, body in html if (e := html5_errors(body))} == {}
    assert all(body.startswith(b"<!DOCTYPE html>\n") for _, body in html)
