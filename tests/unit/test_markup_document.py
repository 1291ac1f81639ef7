"""Documents: head contents, escaping, inline scripts, serialisation, negotiation, URLs."""
import gc
import re
import weakref

import html5lib
import pytest
from lxml import etree

from pycopia_www import markup
from pycopia_www.markup import HTML5Document, Link, MarkupError, XHTMLDocument, negotiate, url

from markup_corpus import parse, xpath

HOSTILE = "<script>alert('x')</script> & \"q\" 'a' ]]> </p>"


def test_xhtml_document_skeleton():
    doc = XHTMLDocument("Hello", lang="de")
    data = doc.to_bytes()
    assert data.startswith(b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                           b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html ')
    assert not data.startswith(b"<?xml")  # UTF-8 needs no declaration; text/html chokes on it
    root = parse(doc)
    assert root.tag == "{http://www.w3.org/1999/xhtml}html"
    assert root.get("lang") == "de" and root.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    assert xpath(root, "/h:html/h:head/h:title")[0].text == "Hello"
    # An XML document takes its encoding from its bytes, and must not say it in a <meta>.
    assert xpath(root, "//h:meta") == []


def test_xhtml_as_text_html_is_html_with_its_doctype_and_a_meta_charset():
    doc = XHTMLDocument("Hello", lang="de")
    data = doc.to_bytes("text/html")
    assert data.startswith(b'<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="de" '
                           b'xml:lang="de"><head><meta charset="utf-8"/><title>Hello</title>')
    # The tree itself is untouched: the XML serialisation is the same before and after.
    assert doc.to_bytes() == XHTMLDocument("Hello", lang="de").to_bytes()
    with pytest.raises(ValueError, match="text/html"):
        doc.to_bytes("text/plain")


def test_html5_document_skeleton():
    doc = HTML5Document("Hello")
    data = doc.to_bytes()
    assert data.startswith(b"<!DOCTYPE html>\n<html ")
    assert xpath(doc, "/h:html/h:head/h:meta/@charset") == ["utf-8"]   # polyglot: in XML too
    assert doc.to_bytes("text/html") == data
    section = doc.add_section("content")
    assert section.name == "section" and section.get_attribute("id") == "content"


def test_section_is_a_classed_div_in_xhtml():
    doc = XHTMLDocument("t")
    section = doc.add_section("content", class_="wide")
    assert section.name == "div"
    assert section.get_attribute("class") == "section wide"


def test_other_encodings_get_an_xml_declaration_and_are_encoded():
    doc = XHTMLDocument("caf\u00e9", encoding="iso-8859-1")
    data = doc.to_bytes()
    assert data.startswith(b"<?xml version='1.0' encoding='iso-8859-1'?>")
    assert "caf\u00e9".encode("iso-8859-1") in data
    assert parse(doc).find(".//{*}title").text == "caf\u00e9"
    body, content_type = doc.render("text/html")
    assert content_type == "text/html; charset=iso-8859-1" and body == doc.to_bytes("text/html")
    # text/html: no XML declaration (a parse error there), the encoding in a <meta charset>.
    assert body.startswith(b"<!DOCTYPE html>\n") and b'<meta charset="iso-8859-1"/>' in body
    assert "caf\u00e9".encode("iso-8859-1") in body


def test_text_and_attributes_are_escaped_by_construction():
    doc = XHTMLDocument(HOSTILE)
    para = doc.add_paragraph(HOSTILE, title=HOSTILE, class_=HOSTILE)
    para.add_text(HOSTILE)
    data = doc.to_bytes()
    assert b"<script>alert" not in data
    root = parse(doc)
    assert xpath(root, "//h:title")[0].text == HOSTILE
    (paragraph,) = xpath(root, "//h:p")
    assert paragraph.text == HOSTILE + HOSTILE
    assert paragraph.get("title") == HOSTILE and paragraph.get("class") == HOSTILE
    assert len(paragraph) == 0  # no element was smuggled in


def test_characters_xml_cannot_hold_are_replaced_not_fatal():
    doc = XHTMLDocument("t\x00")
    doc.add_paragraph("a\x01b\ud800c", title="x\x1fy")
    root = parse(doc)
    assert xpath(root, "//h:p")[0].text == "a\ufffdb\ufffdc"
    assert xpath(root, "//h:p/@title") == ["x\ufffdy"]
    assert xpath(root, "//h:title")[0].text == "t\ufffd"


def test_only_the_explicit_raw_call_inserts_markup():
    doc = XHTMLDocument("t")
    box = doc.add_div()
    box.add_text("<em>not markup</em>")
    box.add_unsafe_markup("lead <em>real</em> tail<!-- dropped -->")
    root = parse(doc)
    (div,) = xpath(root, "//h:body/h:div")
    assert div.text == "<em>not markup</em>lead "
    assert [child.tag for child in div] == ["{http://www.w3.org/1999/xhtml}em"]
    assert div[0].tail == " tail" and b"dropped" not in doc.to_bytes()
    with pytest.raises(etree.XMLSyntaxError):
        box.add_unsafe_markup("<em>unclosed")


def script_text_in_both_parsers(data):
    """The first <script>'s text as an XML parser and as html5lib see it."""
    xml_text = etree.fromstring(data).find(".//{*}script").text
    html_text = html5lib.parse(data).find(".//{http://www.w3.org/1999/xhtml}script").text
    return xml_text, html_text


@pytest.mark.parametrize("document_class", [XHTMLDocument, HTML5Document])
def test_inline_script_cannot_break_out_and_means_the_same_to_both_parsers(document_class):
    code = "var a = '</script><p>owned</p>'; var b = '</SCRIPT >'; if (1 < 2 && 3 > 2) {}\n" \
           "var c = ']]>'; var d = '<!--';"
    doc = document_class("t")
    doc.add_inline_script(code)
    data = doc.to_bytes()
    assert data.lower().count(b"</script") == 1  # only the real end tag
    xml_text, html_text = script_text_in_both_parsers(data)
    # the same program modulo comments: strip the comment-wrapped CDATA markers
    assert html_text.replace("/*<![CDATA[*/", "/**/").replace("/*]]>*/", "/**/") == xml_text
    body = xml_text.removeprefix("/**/\n").removesuffix("\n/**/")
    # each defused sequence is an escape meaning the same character in a JS string
    defused = re.sub("</(?=script)", r"<\\/", code, flags=re.IGNORECASE)
    assert body == defused.replace("]]>", "]]\\>").replace("<!--", "<\\!--")
    assert "<p>" not in "".join(html5lib.parse(data).find(".//{*}body").itertext())


def test_inline_style_is_protected_the_same_way():
    doc = XHTMLDocument("t")
    doc.add_inline_style("a::after { content: '</style><script>x</script>' }")
    data = doc.to_bytes()
    assert data.lower().count(b"</style") == 1
    style = etree.fromstring(data).find(".//{*}style")
    assert "<\\/style>" in style.text and style.get("type") == "text/css"


def test_head_stylesheets_scripts_modules_and_body_classes():
    doc = XHTMLDocument("t", stylesheets=["/media/a.css"], scripts=["/js/a.js"],
                        body_class="admin")
    doc.add_stylesheet("/media/print.css", media="print")
    doc.add_script("/js/app.js", module=True)
    doc.add_script("/js/late.js", in_body=True)
    doc.add_inline_script("start();", module=True, in_body=True)
    doc.add_body_class("wide", "admin")
    doc.add_paragraph("content added after the body scripts")
    root = parse(doc)
    assert xpath(root, "//h:head/h:link/@href") == ["/media/a.css", "/media/print.css"]
    assert xpath(root, "//h:head/h:link[@media='print']/@rel") == ["stylesheet"]
    assert xpath(root, "//h:head/h:script/@type") == ["text/javascript", "module"]
    assert xpath(root, "//h:head/h:script[@type='module']/@src") == ["/js/app.js"]
    body = xpath(root, "//h:body")[0]
    assert body.get("class") == "admin wide"
    assert [local(child) for child in body] == ["p", "script", "script"]  # scripts stay last
    assert b'<script type="text/javascript" src="/js/a.js"></script>' in doc.to_bytes()


def local(element):
    return etree.QName(element).localname


def test_empty_elements_get_end_tags_except_void_ones():
    doc = HTML5Document("t")
    doc.add_div()
    doc.add_paragraph().add_break()
    data = doc.to_bytes()
    assert b"<div></div>" in data and b"<p><br/></p>" in data
    assert b"<div/>" not in data


def test_title_can_be_changed():
    doc = XHTMLDocument("old")
    doc.title = "new & <improved>"
    assert doc.title == "new & <improved>"
    assert xpath(doc, "//h:title")[0].text == "new & <improved>"


def test_document_delegates_unknown_adders_to_body_only():
    doc = XHTMLDocument("t")
    para = doc.add_paragraph("x")
    assert para.element.getparent() is doc.body.element
    with pytest.raises(AttributeError):
        doc.no_such_thing


# -- URLs ---------------------------------------------------------------------------------------

def test_plain_string_urls_are_used_as_given():
    doc = XHTMLDocument("t")
    doc.add_paragraph().add_anchor("/a?b=1&c=2", "x")
    assert xpath(doc, "//h:a/@href") == ["/a?b=1&c=2"]


def test_url_targets_go_through_the_installed_resolver():
    calls = []

    def get_url(target, *args, **kwargs):
        calls.append((target, args, kwargs))
        return f"/resolved/{target}"

    markup.set_url_resolver(get_url)
    try:
        doc = XHTMLDocument("t")
        para = doc.add_paragraph()
        para.add_anchor(url("row", "hosts", row=3), "row")
        para.add_anchor(test_url_targets_go_through_the_installed_resolver, "handler")
        doc.add_form(action=url("save"))
    finally:
        markup.set_url_resolver(None)
    assert calls == [("row", ("hosts",), {"row": 3}),
                     (test_url_targets_go_through_the_installed_resolver, (), {}),
                     ("save", (), {})]
    assert xpath(doc, "//h:a/@href")[0] == "/resolved/row"
    assert xpath(doc, "//h:form/@action") == ["/resolved/save"]


def test_document_resolver_overrides_the_global_one_and_missing_resolver_is_an_error():
    doc = XHTMLDocument("t", url_resolver=lambda target: "/doc/" + target)
    assert doc.add_paragraph().add_anchor(url("x")).get_attribute("href") == "/doc/x"
    with pytest.raises(MarkupError, match="no URL resolver"):
        XHTMLDocument("t").add_paragraph().add_anchor(url("x"))


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:x", "java\tscript:x",
                                  "vbscript:x"])
def test_script_urls_are_refused(href):
    doc = XHTMLDocument("t")
    with pytest.raises(MarkupError, match="script URL"):
        doc.add_paragraph().add_anchor(href, "x")


# -- attribute names and values ----------------------------------------------------------------

def test_keyword_clashes_and_hyphens_follow_one_rule():
    doc = HTML5Document("t")
    box = doc.add_div(class_=["a", "b"], data_row_id=7, aria_label="L", hidden=True,
                      title=None, draggable=False)
    label = box.add_element("label", "x", for_="field")
    attrs = dict(box.element.attrib)
    assert attrs == {"class": "a b", "data-row-id": "7", "aria-label": "L", "hidden": "hidden"}
    assert label.element.get("for") == "field"
    meta = doc.add_meta(http_equiv="refresh", content="5")
    assert meta.element.get("http-equiv") == "refresh"


# -- negotiation --------------------------------------------------------------------------------

@pytest.mark.parametrize("accept, expected", [
    (None, "text/html"),
    ("", "text/html"),
    ("*/*", "text/html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xhtml+xml"),
    ("application/xhtml+xml", "application/xhtml+xml"),
    ("application/xhtml+xml;q=0.5, text/html", "text/html"),
    ("text/html;q=0.5, application/xhtml+xml;q=0.9", "application/xhtml+xml"),
    ("application/xhtml+xml;q=0, */*", "text/html"),
    ("image/jpeg, application/x-ms-application, */*", "text/html"),
    ("text/*, application/xhtml+xml;q=0.8", "text/html"),
    ("APPLICATION/XHTML+XML ; Q=1", "application/xhtml+xml"),
    ("application/xhtml+xml;q=bogus, text/html;q=0.1", "text/html"),
    (",;,", "text/html"),
])
def test_negotiate(accept, expected):
    assert negotiate(accept) == expected


def test_render_returns_body_and_negotiated_content_type():
    doc = XHTMLDocument("t")
    rendered = doc.render("application/xhtml+xml")
    assert rendered.content_type == "application/xhtml+xml; charset=utf-8"
    assert rendered.body == doc.to_bytes() == bytes(doc)
    body, content_type = doc.render(None)
    assert content_type == "text/html; charset=utf-8" and body == doc.to_bytes("text/html")


def test_a_finished_page_is_freed_without_the_cycle_collector():
    # Nodes point at their document; the document must not point back at nodes, or every page
    # (and its whole lxml tree) would wait for a garbage collection run.
    gc.disable()
    try:
        doc = XHTMLDocument("t", csrf_token="x")
        form = doc.add_section("s").add_form(action="/a")
        form.add_textinput("a", "A")
        table = doc.add_table([[1]], ["h"])
        table.add_row([2])
        doc.to_bytes()
        alive = weakref.ref(doc)
        del doc, form, table
        assert alive() is None
    finally:
        gc.enable()


def test_the_tree_is_unqualified_and_the_page_declares_xhtml_once():
    # The builder's elements carry no namespace in the tree (lxml copies them in half the
    # time); the root's default namespace makes every one of them XHTML in the bytes.
    doc = XHTMLDocument("t")
    doc.add_div().add_table([(Link("/h/1", "one"), "a"), (Link("/h/2", "two"), "b")],
                            ["Name", "Value"])
    doc.add_div().add_unsafe_markup(
        '<em xmlns="http://www.w3.org/1999/xhtml">declared</em><strong>plain</strong>')
    tags = {element.tag for element in doc.root.iter()}
    assert {"html", "body", "table", "tbody", "tr", "td", "a", "em", "strong"} <= tags
    assert not any(tag.startswith("{") for tag in tags)
    data = doc.to_bytes()
    assert data.count(b"xmlns=") == 1 and b'<html xmlns="http://www.w3.org/1999/xhtml"' in data
    root = parse(doc)
    assert all(element.tag.startswith("{http://www.w3.org/1999/xhtml}") for element in root.iter())
    assert [a.get("href") for a in xpath(root, "//h:td/h:a")] == ["/h/1", "/h/2"]
    assert xpath(root, "//h:em")[0].text == "declared"
