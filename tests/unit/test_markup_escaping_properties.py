"""Property: whatever text goes in, the page stays valid and the text comes back unchanged,
except for the characters a page cannot hold (text.clean_text says which and what they become)."""
import html5lib
from hypothesis import given, settings, strategies as st

from pycopia_www.markup import HTML5Document, XHTMLDocument
from pycopia_www.markup.text import clean_text
from pycopia_www.markup.validate import html5_errors, xhtml1_strict_errors

from markup_corpus import parse, xpath

# Text biased towards markup-significant characters, plus anything Unicode.
MARKUPISH = st.sampled_from(["<", ">", "&", "\"", "'", "]]>", "</script", "<!--", "-->", "\x00",
                             "\r", "\r\n", "\ud800", "&amp;", "<![CDATA[", "\n", "\x7f", "\x85",
                             "\ufdd0", "\U0001fffe", "\u00a0"])
TEXT = st.lists(st.one_of(MARKUPISH, st.text(max_size=5)), max_size=8).map("".join)
FAST = settings(max_examples=60, deadline=None)


@FAST
@given(title=TEXT, body=TEXT, attribute=TEXT, cell=TEXT)
def test_text_round_trips_and_page_stays_valid(title, body, attribute, cell):
    doc = XHTMLDocument(title)
    doc.add_paragraph(body, title=attribute)
    doc.add_table([[cell]])
    data = doc.to_bytes()
    assert xhtml1_strict_errors(data) == []
    root = parse(doc)
    expect = [clean_text(text) or None for text in (title, body, cell)]
    assert [xpath(root, f"//h:{tag}")[0].text for tag in ("title", "p", "td")] == expect
    assert xpath(root, "//h:p")[0].get("title") == clean_text(attribute)
    assert html5_errors(HTML5Document(title).to_bytes("text/html")) == []


@FAST
@given(code=TEXT)
def test_inline_script_never_breaks_out(code):
    doc = HTML5Document("t")
    doc.add_inline_script(code)
    doc.add_paragraph("after")
    data = doc.to_bytes("text/html")
    assert html5_errors(data) == []
    body = html5lib.parse(data).find("{http://www.w3.org/1999/xhtml}body")
    assert [element.tag.split("}")[1] for element in body] == ["p"]


def test_every_printable_character_is_one_a_page_can_hold():
    # clean_text (and the table builder's per-cell check) passes printable text through as it
    # is: that is only right while no printable character is one it must replace.
    from pycopia_www.markup.text import _UNFIT
    unfit = [hex(code) for code in range(0x110000)
             if chr(code).isprintable() and _UNFIT.search(chr(code))]
    assert unfit == []
    assert clean_text("café ½ 漢字 \U0001F600") == "café ½ 漢字 \U0001F600"
    assert clean_text("a\x85b\ufdd0c\r\nd") == "a\ufffdb\ufffdc\nd"
