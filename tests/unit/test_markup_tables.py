"""Tables from rows: headings, formatters, zebra classes, cell ids, nodes in cells."""
import pytest

from pycopia_www.markup import HTML5Document, MarkupError, XHTMLDocument

from markup_corpus import parse, xpath


def cells(root, row):
    return [cell.text or "" for cell in xpath(root, f"//h:tbody/h:tr[{row}]/*")]


def test_rows_and_headings():
    doc = XHTMLDocument("t")
    table = doc.add_table([[1, "a<b"], (2, None), iter([3.5, "c"])], ["Num", "Text"],
                          caption="Numbers")
    assert table.name == "table"
    root = parse(doc)
    assert xpath(root, "//h:caption/text()") == ["Numbers"]
    assert xpath(root, "//h:thead/h:tr/h:th/text()") == ["Num", "Text"]
    assert xpath(root, "//h:thead/h:tr/h:th/@scope") == ["col", "col"]
    assert cells(root, 1) == ["1", "a<b"]
    assert cells(root, 2) == ["2", ""]
    assert cells(root, 3) == ["3.5", "c"]
    assert b"<td></td>" in doc.to_bytes()


def test_zebra_classes_cycle_and_continue_across_add_row():
    doc = XHTMLDocument("t")
    table = doc.add_table([["a"], ["b"], ["c"]], zebra=("one", "two", "three"))
    table.add_row(["d"])
    table.add_rows([["e"]])
    assert xpath(doc, "//h:tbody/h:tr/@class") == ["one", "two", "three", "one", "two"]
    plain = XHTMLDocument("t")
    plain.add_table([["a"], ["b"]], zebra=None)
    assert xpath(plain, "//h:tr/@class") == []


def test_formatters_by_position_by_heading_and_by_index():
    rows = [[1, 2.5, "x"], [2, 10, "y"]]
    doc = XHTMLDocument("t")
    doc.add_table(rows, ["N", "Price", "Name"], formatters={"Price": "{:.2f} EUR".format,
                                                            2: str.upper})
    doc.add_table(rows, formatters=[None, lambda value: f"<{value}>"])
    root = parse(doc)
    assert cells(root, 1) == ["1", "2.50 EUR", "X", "1", "<2.5>", "x"]  # both tables' row 1
    assert cells(root, 2) == ["2", "10.00 EUR", "Y", "2", "<10>", "y"]


def test_cell_ids_from_prefix_or_callable_and_row_headings():
    doc = XHTMLDocument("t")
    table = doc.add_table([["a", "b"]], cell_ids="t", row_headings=True)
    table.add_row(["c", "d"])
    doc.add_table([["e"]], cell_ids=lambda row, column: f"x{row}_{column}")
    root = parse(doc)
    assert xpath(root, "//h:table[1]//h:tbody//@id") == ["t-0-0", "t-0-1", "t-1-0", "t-1-1"]
    assert xpath(root, "//h:table[1]//h:tbody/h:tr/h:th/@scope") == ["row", "row"]
    assert xpath(root, "//h:table[2]//h:td/@id") == ["x0_0"]


def test_nodes_in_cells_and_empty_elements_inside_them():
    doc = HTML5Document("t")
    link = doc.new_anchor("/x", "x")
    empty = doc.new_span()
    doc.add_table([[link, empty]])
    root = parse(doc)
    assert xpath(root, "//h:td/h:a/@href") == ["/x"]
    assert b"<td><span></span></td>" in doc.to_bytes()


def test_heading_row_added_later_still_precedes_the_body():
    doc = XHTMLDocument("t")
    table = doc.add_table([["a"]])
    table.add_heading_row(["late"])
    root = parse(doc)
    assert [child.tag.split("}")[1] for child in xpath(root, "//h:table")[0]] == ["thead", "tbody"]


def test_unsafe_characters_in_cells_are_replaced():
    doc = XHTMLDocument("t")
    doc.add_table([["a\x00b"]], formatters=[lambda value: value + "\x02"])
    doc.add_table([["c\x0bd"]])
    root = parse(doc)
    assert xpath(root, "//h:td/text()") == ["a\ufffdb\ufffd", "c\ufffdd"]


def test_debug_mode_rejects_rows_wider_than_the_headings():
    doc = XHTMLDocument("t", debug=True)
    with pytest.raises(MarkupError, match="2 cells"):
        doc.add_table([["a", "b"]], ["only"])
    XHTMLDocument("t").add_table([["a", "b"]], ["only"])  # not checked outside debug mode


def test_rows_of_different_widths():
    doc = XHTMLDocument("t")
    doc.add_table([["a"], ["b", "c", "d"], ["e", "f"]])
    assert [len(row) for row in xpath(doc, "//h:tbody/h:tr")] == [1, 3, 2]


def test_link_cells_are_escaped_and_never_empty_elements():
    from pycopia_www.markup import Link
    from pycopia_www.markup.validate import xhtml1_strict_errors
    doc = XHTMLDocument("t")
    doc.add_table([(Link("/host/1?a=1&b=<2>", "web <1> & co"), "x"), (Link("/host/2", ""), "y"),
                   (Link("/h\x00st", "bad\x07text"), "z")], ["Name", "Other"])
    body = doc.to_bytes()
    assert b'<a href="/host/1?a=1&amp;b=&lt;2&gt;">web &lt;1&gt; &amp; co</a>' in body
    assert b'<a href="/host/2"></a>' in body and b"\x00" not in body and b"\x07" not in body
    root = parse(doc)
    assert xpath(root, "//h:tbody/h:tr/h:td[1]/h:a/@href")[1] == "/host/2"
    assert xhtml1_strict_errors(body) == []


def test_link_cells_where_the_first_row_has_none_or_later_rows_differ():
    # The first row of a width decides which cells of the copied template hold an <a>; later
    # rows with a link elsewhere, or with text, a node or nothing where it had one, still come
    # out as given.
    from pycopia_www.markup import Link
    doc = XHTMLDocument("t")
    doc.add_table([(Link("/a", "A"), "x"), ("plain", Link("/b", "B")), (None, "y"),
                   (doc.new_span("node"), Link("/c", "C")), (Link("/d", "D"), "z")])
    root = parse(doc)
    rows = xpath(root, "//h:tbody/h:tr")
    shown = [[(xpath(cell, "string(.)"), xpath(cell, "h:a/@href")) for cell in row] for row in rows]
    assert shown == [[("A", ["/a"]), ("x", [])], [("plain", []), ("B", ["/b"])],
                     [("", []), ("y", [])], [("node", []), ("C", ["/c"])],
                     [("D", ["/d"]), ("z", [])]]
    assert b"<td></td>" in doc.to_bytes()


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x",
                                  "data:text/html,<script>x</script>"])
def test_a_link_cell_with_a_script_url_is_refused(href):
    from pycopia_www.markup import Link
    for rows in ([(Link(href, "x"),)], [(Link("/ok", "ok"),), (Link(href, "x"),)]):
        with pytest.raises(MarkupError, match="refusing"):
            XHTMLDocument("t").add_table(rows)


def test_tables_of_the_same_shape_in_other_documents_are_their_own():
    # Row templates are shared between documents of the same shape; what one page's table
    # holds never shows in another's.
    from pycopia_www.markup import Link
    first, second = XHTMLDocument("t"), XHTMLDocument("t")
    first.add_table([(Link("/1", "one"), "a")], ["N", "V"], column_classes=["x", None])
    second.add_table([(Link("/2", "two"), "b"), (Link("/3", "three"), "c")], ["N", "V"],
                     column_classes=["x", None])
    assert xpath(first, "//h:tbody//h:a/@href") == ["/1"]
    assert xpath(second, "//h:tbody//h:a/@href") == ["/2", "/3"]
    assert xpath(second, "//h:tbody/h:tr/@class") == ["odd", "even"]
    assert xpath(second, "//h:tbody/h:tr/h:td[1]/@class") == ["x", "x"]
    listed = XHTMLDocument("t")     # a class list is not hashable: that table's templates are its own
    listed.add_table([("a", "b")], column_classes=[["p", "q"], None])
    assert xpath(listed, "//h:tbody/h:tr/h:td[1]/@class") == ["p q"]


def test_no_row_shows_what_an_earlier_row_held():
    # Rows are filled in a template that is copied; a row the fast path cannot fill (None, a
    # Decimal, a node) starts from the empty template, never from the last row's texts.
    from decimal import Decimal
    doc = XHTMLDocument("t")
    doc.add_table([("a", 1, "x"), (None, 2.5, "y"), ("c", Decimal("3"), None), (None, None, None),
                   ("e", doc.new_span("s"), "z"), ("f", 6, "w")])
    root = parse(doc)
    assert [cells(root, n) for n in range(1, 7)] == [
        ["a", "1", "x"], ["", "2.5", "y"], ["c", "3", ""], ["", "", ""], ["e", "", "z"],
        ["f", "6", "w"]]
    assert xpath(root, "//h:tbody/h:tr[5]/h:td[2]/h:span/text()") == ["s"]
    assert xpath(root, "//h:tbody/h:tr/@class") == ["odd", "even"] * 3
