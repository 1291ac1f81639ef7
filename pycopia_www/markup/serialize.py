"""Tree -> bytes, once per media type: for an XML parser (application/xhtml+xml) or for text/html.

The two differ only where the media types' rules differ (the doctype, which the dialect gives,
and how the encoding is declared); the markup in between is written so that an XML parser and a
text/html parser read the same tree from either (the two fix-ups below)."""
import re

from lxml import etree


# Only the builder makes CDATA sections (for inline script and style): text and attribute
# values always have "<" escaped, and raw markup is parsed with CDATA turned into text, so
# every "<![CDATA[" in the output starts one, and its first "]]>" ends it.
_CDATA_SECTION = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_UTF8 = ("utf-8", "utf8")


def _comment_out_markers(match):
    # /*<![CDATA[*/ ... /*]]>*/ : an XML parser sees a CDATA section holding /**/ comments, a
    # text/html parser sees the markers inside comments - the same script or style either way.
    return b"/*<![CDATA[*/" + match.group(1) + b"/*]]>*/"


def close_empty_elements(root, void, clean=()):
    """Give every empty element that is not void an end tag (<div></div>, never <div/>):
    a text/html parser treats <div/> as an unclosed start tag.

    Subtrees in `clean` are known to have none (table bodies copied from templates) and are
    skipped: only their ancestors are walked one by one, everything else by lxml's fast iter().
    """
    ancestors = {ancestor for subtree in clean for ancestor in subtree.iterancestors()}
    stack = [root]
    while stack:
        top = stack.pop()
        if top in ancestors:
            stack.extend(child for child in top if child not in clean)
            continue
        for element in top.iter():
            if element.text is None and element.tag not in void and not len(element):
                element.text = ""


def to_bytes(root, doctype, void, encoding="utf-8", has_cdata=True, clean=(), html=False,
             charset_meta=False):
    """Serialise a document tree; html=True for text/html, else for an XML parser.

    The encoding: an XML parser reads it from the bytes (UTF-8, the XML default, needs nothing;
    other encodings get an XML declaration), and an XML document must not declare it with
    <meta http-equiv="Content-Type">. text/html has no XML declaration (it is a parse error
    there) and wants the encoding declared in the page: charset_meta=True puts a <meta charset>
    first in <head> for this serialisation only (for a tree that has none of its own)."""
    close_empty_elements(root, void, clean)
    if not charset_meta:
        body = _tostring(root, encoding, doctype, declare=not html)
    else:
        head = root.find("head")
        meta = etree.Element("meta", charset=encoding)
        head.insert(0, meta)
        try:
            body = _tostring(root, encoding, doctype, declare=False)
        finally:
            head.remove(meta)
    if has_cdata:
        body = _CDATA_SECTION.sub(_comment_out_markers, body)
    return body


def _tostring(root, encoding, doctype, declare):
    """The tree as bytes; declare: give an XML declaration to an encoding other than UTF-8.
    UTF-8 goes through lxml's str output and str.encode: the same bytes, and quicker than
    lxml's own UTF-8 writer."""
    if encoding.lower() in _UTF8:
        return etree.tostring(root, encoding="unicode", doctype=doctype).encode("utf-8")
    return etree.tostring(root, encoding=encoding, xml_declaration=declare, doctype=doctype)
