"""Every corpus page must be valid XHTML 1.0 Strict (real W3C DTD) as an XHTMLDocument sent as
XHTML, and its text/html serialisation (and an HTML5Document's, either way) read as the same tree
by html5lib (text/html) and lxml (XML) without a parse error."""
import functools

import pytest
from lxml import etree

from pycopia_www import markup
from pycopia_www.markup import HTML5Document, XHTMLDocument
from pycopia_www.markup.validate import html5_errors, xhtml1_strict_errors

import markup_corpus


@pytest.fixture(autouse=True)
def resolver():
    markup.set_url_resolver(lambda name, *args, **kwargs: f"/{name}/")
    yield
    markup.set_url_resolver(None)


def page_bytes(build, document_class, debug=False, media_type="application/xhtml+xml"):
    return build(functools.partial(document_class, debug=debug)).to_bytes(media_type)


@pytest.mark.parametrize("build", markup_corpus.PAGES, ids=lambda build: build.__name__)
@pytest.mark.parametrize("debug", [False, True], ids=["fast", "debug"])
def test_xhtml_page_is_valid_against_the_dtd(build, debug):
    data = page_bytes(build, XHTMLDocument, debug)
    assert data.startswith(b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"')
    assert xhtml1_strict_errors(data) == []


@pytest.mark.parametrize("build", markup_corpus.PAGES, ids=lambda build: build.__name__)
def test_xhtml_page_sent_as_text_html_reads_the_same_both_ways(build):
    data = page_bytes(build, XHTMLDocument, media_type="text/html")
    assert data.startswith(b"<!DOCTYPE html>")
    assert html5_errors(data) == []


@pytest.mark.parametrize("build", markup_corpus.PAGES, ids=lambda build: build.__name__)
@pytest.mark.parametrize("debug", [False, True], ids=["fast", "debug"])
def test_html5_page_parses_without_errors_and_the_same_as_xml(build, debug):
    for media_type in ("application/xhtml+xml", "text/html"):
        data = page_bytes(build, HTML5Document, debug, media_type)
        assert data.startswith(b"<!DOCTYPE html>")
        assert html5_errors(data) == []


# The validators themselves must be able to fail, or the tests above prove nothing.

def test_dtd_validator_rejects_invalid_markup():
    good = XHTMLDocument("t").to_bytes()
    assert xhtml1_strict_errors(good) == []
    block_in_paragraph = good.replace(b"<body></body>", b"<body><p><div>x</div></p></body>")
    assert any("div" in error for error in xhtml1_strict_errors(block_in_paragraph))
    text_in_body = good.replace(b"<body></body>", b"<body>loose text</body>")
    assert xhtml1_strict_errors(text_in_body)
    assert xhtml1_strict_errors(good.replace(b"<body>", b"<body bogus='1'>"))
    assert xhtml1_strict_errors(b"<html><unclosed></html>")[0].startswith("not well-formed")
    html5_doctype = HTML5Document("t").to_bytes()
    assert any("doctype" in error for error in xhtml1_strict_errors(html5_doctype))


def test_html5_checker_rejects_markup_a_browser_would_rearrange():
    good = HTML5Document("t").to_bytes("text/html")
    assert html5_errors(good) == []
    self_closed = good.replace(b"<body></body>", b"<body><div/><p>x</p></body>")
    assert html5_errors(self_closed)  # <div/> swallows the paragraph in text/html
    row_in_table = good.replace(b"<body></body>", b"<body><table><tr><td>x</td></tr></table></body>")
    assert any("differ" in error for error in html5_errors(row_in_table))  # implied tbody
    declaration = b'<?xml version="1.0" encoding="utf-8"?>\n' + good
    assert html5_errors(declaration)
    legacy = XHTMLDocument("t").to_bytes()
    assert html5_errors(legacy) and html5_errors(legacy, legacy_doctype=True) == []


def test_dtd_is_the_real_w3c_one():
    dtd = markup.validate.xhtml1_strict_dtd()
    names = {element.name for element in dtd.iterelements()}
    assert {"html", "body", "fieldset", "optgroup"} <= names
    assert "section" not in names and "font" not in names  # strict, not HTML5/transitional
    assert isinstance(dtd, etree.DTD)
