"""Debug mode rejects what the document type forbids, while building; fast mode does not check."""
import pytest

from pycopia_www import markup
from pycopia_www.markup import HTML5Document, MarkupError, XHTMLDocument


@pytest.mark.parametrize("build, message", [
    (lambda doc: doc.add_paragraph().add_div(), "<div> is not allowed inside <p>"),
    (lambda doc: doc.add_text("loose"), "not allowed directly inside <body>"),
    (lambda doc: doc.add_element("font"), "<font> is not an element"),
    (lambda doc: doc.add_element("section"), "<section> is not an element"),
    (lambda doc: doc.add_paragraph(bogus=1), "no attribute 'bogus'"),
    (lambda doc: doc.add_paragraph(data_x=1), "no attribute 'data-x'"),
    (lambda doc: doc.add_div().add_element("img", src="/x"), "needs a 'alt'"),
    (lambda doc: doc.add_form(action="/a").add_textinput("x").set_attributes(type="email"),
     "is not one of"),
    (lambda doc: doc.add_form(action="/a").add_form(action="/b"), "<form> is not allowed"),
    (lambda doc: doc.add_paragraph().add_anchor("/a").add_anchor("/b"), "<a> is not allowed"),
    (lambda doc: doc.add_list(["x"]).add_paragraph("p"), "<p> is not allowed inside <ul>"),
    (lambda doc: [doc.add_div(id="same"), doc.add_div(id="same")], "used twice"),
    (lambda doc: doc.add_paragraph().append(doc.new_div()), "<div> is not allowed inside <p>"),
    (lambda doc: doc.add_paragraph().add_unsafe_markup("<div>x</div>"), "not allowed inside <p>"),
    (lambda doc: doc.add_script("/x.js", async_=True), "no attribute 'async'"),
])
def test_xhtml_debug_mode_rejects(build, message):
    with pytest.raises(MarkupError, match=message):
        build(XHTMLDocument("t", debug=True))
    build(XHTMLDocument("t", debug=False))  # fast mode builds it without looking


@pytest.mark.parametrize("build, message", [
    (lambda doc: doc.add_paragraph().add_div(), "<div> is not allowed inside <p>"),
    (lambda doc: doc.add_element("table").add_element("tr"), "<tr> is not allowed inside <table>"),
    (lambda doc: doc.add_element("blink"), "not an element"),
    (lambda doc: doc.add_div(onclick="x", frobnicate="y"), "no attribute 'frobnicate'"),
])
def test_html5_debug_mode_rejects(build, message):
    with pytest.raises(MarkupError, match=message):
        build(HTML5Document("t", debug=True))


def test_html5_accepts_its_open_attribute_families():
    doc = HTML5Document("t", debug=True)
    box = doc.add_div(data_row=1, aria_hidden="true", role="note", onclick="f()", hidden=True)
    box.add_element("input", type="date", required=True, placeholder="when")
    assert box.get_attribute("data-row") == "1"


@pytest.mark.parametrize("build, message", [
    (lambda doc: doc.add_list([]), "<ul> needs at least one of"),
    (lambda doc: doc.add_form(action="/a", method="get").add_fieldset().add_select("s", "S"),
     "<select form1-s> needs"),
    (lambda doc: doc.add_element("table"), "<table> needs"),
])
def test_incomplete_elements_are_reported_when_serialising(build, message):
    doc = XHTMLDocument("t", debug=True)
    build(doc)
    with pytest.raises(MarkupError, match=message):
        doc.to_bytes()


def test_module_setting_is_the_default_for_new_documents():
    markup.set_debug(True)
    try:
        assert XHTMLDocument("t").debug is True
        assert XHTMLDocument("t", debug=False).debug is False
    finally:
        markup.set_debug(False)
    assert XHTMLDocument("t").debug is False
    with pytest.raises(MarkupError):
        XHTMLDocument("t", debug=True).add_paragraph().add_div()
