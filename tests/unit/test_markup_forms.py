"""Forms: containment, widgets, labels tied to inputs, pre-filled values, errors, CSRF hook."""
import pytest

from pycopia_www import markup
from pycopia_www.markup import HTML5Document, XHTMLDocument

from markup_corpus import parse, xpath


def new_form(document_class=XHTMLDocument, **form_kwargs):
    doc = document_class("t", debug=True)
    form = doc.add_section("content").add_form(action="/save", **form_kwargs)
    return doc, form


def test_tk_like_containment():
    doc = XHTMLDocument("t", debug=True)
    content = doc.add_section("content")
    form = content.add_form(action="/net")
    fs = form.add_fieldset("Network")
    control = fs.add_textinput("hostname", "Host name", value="box")
    assert control.name == "input"
    root = parse(doc)
    (found,) = xpath(root, "//h:div[@id='content']/h:form/h:fieldset/h:div[@class='field']/h:input")
    assert found.get("value") == "box" and found.get("name") == "hostname"
    assert xpath(root, "//h:fieldset/h:legend")[0].text == "Network"


def test_every_label_is_tied_to_its_control():
    doc, form = new_form()
    form.add_fieldset("f")  # so the form is not empty of blocks
    box = form.add_fieldset("all")
    box.add_textinput("a", "A")
    box.add_password("b", "B")
    box.add_number("c", "C")
    box.add_email("d", "D")
    box.add_checkbox("e", "E")
    box.add_radios("f", "F", ["x", "y"])
    box.add_checkboxes("g", "G", ["x", "y"])
    box.add_select("h", "H", ["x"])
    box.add_textarea("i", "I")
    box.add_yesno("j", "J")
    box.add_fileinput("k", "K")
    root = parse(doc)
    labels = xpath(root, "//h:label")
    assert len(labels) == 14  # one per control: 9 single, radio/checkbox/yes-no sets of 2
    ids = {element.get("id") for element in xpath(root, "//h:input|//h:select|//h:textarea")}
    for label in labels:
        assert label.get("for") in ids, label.get("for")
    assert len(ids) == len(labels)  # all distinct


def test_values_prefill_every_kind_of_control():
    values = {"host": "box", "secret": "hunter2", "port": 22, "mail": "a@b", "on": True,
              "mode": "b", "flags": ["x", "z"], "zone": "cet", "many": ["1", "3"],
              "notes": "line1\nline2", "ipv6": False, "hidden": "h"}
    doc, form = new_form(values=values)
    box = form.add_fieldset("all")
    box.add_textinput("host", "Host", value="ignored default")
    box.add_password("secret", "Secret")
    box.add_number("port", "Port")
    box.add_email("mail", "Mail")
    box.add_checkbox("on", "On")
    box.add_radios("mode", "Mode", ["a", "b"])
    box.add_checkboxes("flags", "Flags", ["x", "y", "z"])
    box.add_select("zone", "Zone", {"World": ["utc"], "Europe": {"cet": "Berlin"}})
    box.add_select("many", "Many", [(1, "one"), (2, "two"), (3, "three")], multiple=True)
    box.add_textarea("notes", "Notes")
    box.add_yesno("ipv6", "IPv6")
    form.add_hidden("hidden")
    root = parse(doc)

    def value(name):
        return xpath(root, f"//h:input[@name='{name}']/@value")

    assert value("host") == ["box"]
    assert value("secret") == []  # a password is never written into the page
    assert value("port") == ["22"] and value("mail") == ["a@b"] and value("hidden") == ["h"]
    assert xpath(root, "//h:input[@name='on']/@checked") == ["checked"]
    assert xpath(root, "//h:input[@name='mode'][@checked]/@value") == ["b"]
    assert xpath(root, "//h:input[@name='flags'][@checked]/@value") == ["x", "z"]
    assert xpath(root, "//h:select[@name='zone']//h:option[@selected]/@value") == ["cet"]
    assert xpath(root, "//h:select[@name='zone']/h:optgroup/@label") == ["World", "Europe"]
    assert xpath(root, "//h:select[@name='many']/@multiple") == ["multiple"]
    assert xpath(root, "//h:select[@name='many']/h:option[@selected]/text()") == ["one", "three"]
    assert xpath(root, "//h:textarea")[0].text == "line1\nline2"
    assert xpath(root, "//h:input[@name='ipv6'][@checked]/@value") == ["no"]


def test_explicit_values_are_defaults_when_the_form_has_none():
    doc, form = new_form()
    box = form.add_fieldset("f")
    box.add_textinput("host", "Host", value="default")
    box.add_checkbox("on", "On", checked=True)
    box.add_radios("mode", "Mode", {"a": "A", "b": "B"}, selected="a")
    box.add_yesno("yes", "Yes", value=True)
    root = parse(doc)
    assert xpath(root, "//h:input[@name='host']/@value") == ["default"]
    assert xpath(root, "//h:input[@name='on']/@checked") == ["checked"]
    assert xpath(root, "//h:input[@name='mode'][@checked]/@value") == ["a"]
    assert xpath(root, "//h:input[@name='yes'][@checked]/@value") == ["yes"]


def test_errors_are_shown_next_to_their_fields():
    errors = {"host": "Bad <host>", "mode": ["one", "two"], None: ["Whole form failed"]}
    doc, form = new_form(errors=errors)
    box = form.add_fieldset("f")
    box.add_textinput("host", "Host")
    box.add_textinput("fine", "Fine")
    box.add_radios("mode", "Mode", ["a"])
    root = parse(doc)
    (host_field,) = xpath(root, "//h:div[h:input[@name='host']]")
    assert host_field.get("class") == "field error"
    assert xpath(host_field, "h:span[@class='error']/text()") == ["Bad <host>"]
    assert xpath(root, "//h:div[h:input[@name='fine']]/@class") == ["field"]
    assert xpath(root, "//h:fieldset[@class='choices error']/h:span[@class='error']/text()") \
        == ["one; two"]
    assert xpath(root, "//h:form/h:ul[@class='errors']/h:li/text()") == ["Whole form failed"]


def test_number_and_email_by_dialect():
    _, form = new_form(HTML5Document)
    number = form.add_number("n", "N", 5, min=1, max=9, step=2)
    email = form.add_email("e", "E")
    assert dict(number.element.attrib, id=None) == {"type": "number", "value": "5", "min": "1",
                                                    "max": "9", "step": "2", "id": None,
                                                    "name": "n"}
    assert email.get_attribute("type") == "email"
    _, form = new_form(XHTMLDocument)
    number = form.add_number("n", "N", 5, min=1, class_="wide")
    assert number.get_attribute("type") == "text" and number.get_attribute("min") is None
    assert number.get_attribute("class") == "number wide"


def test_date_and_datetime_by_dialect():
    _, form = new_form(HTML5Document)
    assert form.add_date("d", "D", "2024-01-02").get_attribute("type") == "date"
    assert form.add_datetime("t", "T").get_attribute("type") == "datetime-local"
    _, form = new_form(XHTMLDocument)
    date = form.add_date("d", "D", "2024-01-02")
    assert (date.get_attribute("type"), date.get_attribute("class"), date.get_attribute("value")) == \
        ("text", "date", "2024-01-02")
    assert form.add_datetime("t", "T").get_attribute("class") == "datetime-local"


def test_buttons_group_in_one_block_and_file_input_sets_multipart():
    doc, form = new_form()
    form.add_fileinput("upload", "Upload")
    form.add_submit("Save", name="go")
    form.add_reset()
    form.add_button("Help <me>", value="help", name="action")
    root = parse(doc)
    assert xpath(root, "//h:form/@enctype") == ["multipart/form-data"]
    (buttons,) = xpath(root, "//h:div[@class='buttons']")
    assert [child.get("type") for child in buttons] == ["submit", "reset", "button"]
    assert buttons[2].text == "Help <me>"


def test_controls_inside_a_paragraph_use_inline_holders():
    doc, form = new_form(method="get")
    para = form.add_paragraph("Search ")
    para.add_textinput("q", "Query")
    para.add_submit("Go")
    root = parse(doc)
    assert xpath(root, "//h:p/h:span[@class='field']/h:input/@name") == ["q"]
    assert xpath(root, "//h:p/h:input/@type") == ["submit"]


# -- CSRF ---------------------------------------------------------------------------------------

def csrf_values(doc):
    return xpath(doc, f"//h:form//h:input[@type='hidden'][@name='{markup.CSRF_FIELD}']/@value")


def test_post_forms_carry_the_documents_token_first():
    doc = XHTMLDocument("t", csrf_token="tok<&>")
    form = doc.add_form(action="/a")
    form.add_hidden("other", "1")
    doc.add_form(action="/b", method="GET")
    assert csrf_values(doc) == ["tok<&>"]  # the GET form has none
    first_hidden = xpath(doc, "//h:form[@action='/a']/h:div[1]/h:input/@name")
    assert first_hidden == ["csrf_token", "other"]


def test_token_may_be_a_callable_called_once_and_only_when_needed():
    calls = []

    def token():
        calls.append(1)
        return "lazy"

    doc = XHTMLDocument("t", csrf_token=token, csrf_field="_token")
    assert calls == []
    doc.add_form(action="/a")
    doc.add_form(action="/b")
    assert calls == [1]
    assert xpath(doc, "//h:input[@name='_token']/@value") == ["lazy", "lazy"]


def test_per_form_override_and_process_wide_provider():
    markup.set_csrf_provider(lambda: "from-provider")
    try:
        doc = XHTMLDocument("t")
        doc.add_form(action="/a")
        doc.add_form(action="/b", csrf_token="explicit")
        doc.add_form(action="/c", csrf_token=None)
        with_document_token = XHTMLDocument("t", csrf_token="doc")
        with_document_token.add_form(action="/d")
    finally:
        markup.set_csrf_provider(None)
    assert csrf_values(doc) == ["from-provider", "explicit"]
    assert csrf_values(with_document_token) == ["doc"]
    plain = XHTMLDocument("t")
    plain.add_form(action="/e")
    assert csrf_values(plain) == []


def test_field_ids_are_unique_across_forms():
    doc = XHTMLDocument("t", debug=True)
    for _ in range(2):
        doc.add_form(action="/a").add_textinput("name with space", "Name")
    ids = xpath(doc, "//h:input/@id")
    assert len(set(ids)) == 2 and all(" " not in each for each in ids)


def test_choice_groups_only_in_selects():
    _, form = new_form()
    with pytest.raises(markup.MarkupError, match="option groups"):
        form.add_radios("r", "R", {"group": ["a", "b"]})


def test_submitted_values_never_replace_the_token():
    doc = XHTMLDocument("t", csrf_token="fresh")
    doc.add_form(action="/a", values={markup.CSRF_FIELD: "stale-from-request"})
    assert csrf_values(doc) == ["fresh"]


OFF_SITE = ["https://evil.example/steal", "HTTP://evil.example/", "//evil.example/steal",
            "/\\evil.example/steal", "\\\\evil.example/", " //evil.example/", "/\t/evil.example/",
            "\n//evil.example/", "mailto:x@evil.example"]


@pytest.mark.parametrize("action", OFF_SITE)
def test_l11_the_csrf_token_never_goes_to_an_off_site_action(action):
    """Before the fix every POST form carried the session's token, wherever it posted to."""
    doc = XHTMLDocument("t", csrf_token="session-token")
    doc.add_form(action=action)
    markup.set_csrf_provider(lambda: "from-provider")
    try:
        XHTMLDocument("t").add_form(action=action)
        with_provider = XHTMLDocument("t")
        with_provider.add_form(action=action)
    finally:
        markup.set_csrf_provider(None)
    assert csrf_values(doc) == [] and csrf_values(with_provider) == []
    assert b"session-token" not in doc.to_bytes()
    with pytest.raises(markup.MarkupError, match="off-site"):
        XHTMLDocument("t").add_form(action=action, csrf_token="explicit")


@pytest.mark.parametrize("action", ["/save", "save", "./save", "?step=2", "", "#top", "/a//b"])
def test_l11_a_relative_action_carries_the_token(action):
    doc = XHTMLDocument("t", csrf_token="session-token")
    doc.add_form(action=action)
    assert csrf_values(doc) == ["session-token"]


def test_l11_srcdoc_is_refused():
    """srcdoc is a whole page in an attribute: script in it runs on this origin."""
    doc = HTML5Document("t")
    with pytest.raises(markup.MarkupError, match="srcdoc"):
        doc.add_div().add_element("iframe", srcdoc="<script>alert(1)</script>")
    with pytest.raises(markup.MarkupError, match="srcdoc"):
        doc.add_div().set_attributes(srcdoc="<b>x</b>")
    doc.add_div().add_element("iframe", src="/frame", srcdoc=None)      # left out: fine
