"""Building blocks and the naming scheme: add_* attaches and returns the child, new_* does not."""
import pytest

from pycopia_www.markup import Container, MarkupError, XHTMLDocument

from markup_corpus import parse, xpath


def test_add_returns_the_attached_child_and_new_returns_a_detached_one():
    doc = XHTMLDocument("t")
    para = doc.add_paragraph("x")
    assert isinstance(para, Container) and para.element.getparent() is doc.body.element
    detached = doc.new_paragraph("y")
    assert detached.element.getparent() is None
    assert doc.body.append(detached) is detached
    assert detached.element.getparent() is doc.body.element
    assert xpath(doc, "//h:p/text()") == ["x", "y"]


def test_every_adder_has_a_detached_twin_except_form_controls():
    adders = {name[4:] for name in dir(Container) if name.startswith("add_")}
    makers = {name[4:] for name in dir(Container) if name.startswith("new_")}
    controls = {"textinput", "password", "email", "number", "date", "datetime", "fileinput", "hidden", "textarea",
                "checkbox", "checkboxes", "radios", "yesno", "select", "submit", "reset",
                "button"}
    assert makers == adders - controls - {"text", "class", "unsafe_markup"}


def test_text_blocks():
    doc = XHTMLDocument("t")
    box = doc.add_div(id="box")
    for level in (1, 6):
        box.add_heading(level, f"h{level}")
    para = box.add_paragraph("a ")
    para.add_strong("b")
    para.add_text(" c ")
    para.add_emphasis("d")
    para.add_code("e")
    para.add_break()
    para.add_span("f", class_="g")
    box.add_preformatted(" keep\n  spaces")
    box.add_blockquote(cite="/src").add_paragraph("quoted")
    box.add_rule()
    root = parse(doc)
    assert xpath(root, "//h:h1/text()") == ["h1"] and xpath(root, "//h:h6/text()") == ["h6"]
    (paragraph,) = xpath(root, "//h:p[h:strong]")
    assert "".join(paragraph.itertext()) == "a b c def"
    assert [child.tag.split("}")[1] for child in paragraph] == ["strong", "em", "code", "br",
                                                                 "span"]
    assert xpath(root, "//h:pre/text()") == [" keep\n  spaces"]
    assert xpath(root, "//h:blockquote/@cite") == ["/src"]
    with pytest.raises(MarkupError):
        box.add_heading(7, "no such level")


def test_links_and_images():
    doc = XHTMLDocument("t")
    para = doc.add_paragraph()
    link = para.add_anchor("/x", "go", title="Go there")
    link.add_image("/i.png", "icon", width=16)
    root = parse(doc)
    (anchor,) = xpath(root, "//h:a")
    assert anchor.get("href") == "/x" and anchor.text == "go"
    assert xpath(root, "//h:a/h:img/@alt") == ["icon"]
    assert xpath(root, "//h:img/@width") == ["16"]


def test_lists_from_lists_sets_and_dicts():
    doc = XHTMLDocument("t")
    doc.add_list(["b", "a", 3])
    doc.add_list({10, 9, 100}, ordered=True)
    doc.add_list({"Fruit": ["apple"], "Count": 2, "Empty": []})
    doc.add_list([], empty="none")
    root = parse(doc)
    lists = xpath(root, "//h:body/h:ul|//h:body/h:ol")
    assert [item.text for item in lists[0]] == ["b", "a", "3"]  # order kept
    assert lists[1].tag.endswith("ol") and [item.text for item in lists[1]] == ["9", "10", "100"]
    fruit, count, empty = lists[2]
    assert fruit.text == "Fruit" and xpath(fruit, "h:ul/h:li/text()") == ["apple"]
    assert count.text == "Count: 2"
    assert empty.text == "Empty" and len(empty) == 0
    assert xpath(lists[3], "h:li[@class='empty']/text()") == ["none"]


def test_mixed_sets_sort_by_text_and_nodes_can_be_items():
    doc = XHTMLDocument("t")
    doc.add_list({2, "1", "b"})
    doc.add_list([doc.new_anchor("/a", "a"), ["nested"]])
    root = parse(doc)
    first, second = xpath(root, "//h:body/h:ul")
    assert [item.text for item in first] == ["1", "2", "b"]
    assert xpath(second, "h:li/h:a/@href") == ["/a"]
    assert xpath(second, "h:li/h:ul/h:li/text()") == ["nested"]


def test_definition_lists():
    doc = XHTMLDocument("t")
    doc.add_definition_list({"one": "uno", "many": ["a", "b"]})
    dl = doc.add_definition_list([("node", doc.new_strong("bold"))])
    dl.add_term("later")
    dl.add_definition("added")
    root = parse(doc)
    first, second = xpath(root, "//h:dl")
    assert [(child.tag.split("}")[1], child.text) for child in first] == [
        ("dt", "one"), ("dd", "uno"), ("dt", "many"), ("dd", "a"), ("dd", "b")]
    assert xpath(second, "h:dd/h:strong/text()") == ["bold"]
    assert xpath(second, "h:dt/text()") == ["node", "later"]


def test_attributes_and_classes_on_existing_nodes():
    doc = XHTMLDocument("t")
    para = doc.add_paragraph("x").set_attributes(id="p1", title="T")
    para.add_class("a", "b").add_class("a", "c")
    assert para.get_attribute("class") == "a b c"
    assert para.get_attribute("id") == "p1" and para.get_attribute("missing", "d") == "d"


def test_append_rejects_non_nodes():
    doc = XHTMLDocument("t")
    with pytest.raises(MarkupError, match="add_text"):
        doc.body.append("text")
