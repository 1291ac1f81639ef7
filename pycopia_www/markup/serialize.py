"""Tree -> bytes: doctype, encoding, and the two fix-ups that let one serialisation be read
the same by an XML parser and by a text/html parser."""
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


def to_bytes(root, doctype, void_tags, encoding="utf-8", has_cdata=True, clean=()):
    """Serialise a document tree. No XML declaration for UTF-8 (it is the XML default, and a
    declaration is a parse error in text/html); other encodings get one."""
    close_empty_elements(root, void_tags, clean)
    declare = encoding.lower() not in _UTF8
    body = etree.tostring(root, encoding=encoding, xml_declaration=declare, doctype=doctype)
    if has_cdata:
        body = _CDATA_SECTION.sub(_comment_out_markers, body)
    return body
