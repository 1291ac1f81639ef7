"""Text going into the tree: XML-safe characters, and inline script/style bodies.

Ordinary text needs no escaping here: lxml escapes &, < and > (and quotes in attributes) when
it serialises, so text can never become markup. What lxml cannot do is store characters that
XML 1.0 forbids (NUL, most C0 controls, lone surrogates); those are replaced, not refused,
because they usually arrive in data the page author does not control.
"""
import re

from lxml import etree

# Everything outside XML 1.0's Char production.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REPLACEMENT = "\ufffd"


def xml_safe(text):
    """`text` with every character XML cannot hold replaced by U+FFFD."""
    return _NOT_XML_CHAR.sub(REPLACEMENT, text)


def set_text(element, text):
    """Set an element's text; the replacement runs only when lxml refuses the string."""
    try:
        element.text = text
    except ValueError:
        element.text = xml_safe(text)


def append_text(element, text):
    """Add text after everything already in `element` (its text, or its last child's tail)."""
    if len(element):
        last = element[-1]
        set_text_tail(last, (last.tail or "") + text)
    else:
        set_text(element, (element.text or "") + text)


def set_text_tail(element, text):
    try:
        element.tail = text
    except ValueError:
        element.tail = xml_safe(text)


# Sequences that would end a script or style element early in a text/html parser, or end the
# CDATA section in an XML parser. Each replacement means the same inside a JavaScript string,
# template or regular expression, and inside a CSS string (a backslash before these characters
# is an identity escape in both languages).
_SCRIPT_BREAKOUTS = re.compile(r"</(?=script)|<!--|\]\]>", re.IGNORECASE)
_STYLE_BREAKOUTS = re.compile(r"</(?=style)|\]\]>", re.IGNORECASE)
_DEFUSED = {"</": "<\\/", "<!--": "<\\!--", "]]>": "]]\\>"}


def _defuse(match):
    return _DEFUSED[match.group(0)]


def script_body(code):
    """The content for an inline <script>: a CDATA section that cannot be broken out of.

    The serializer (serialize.py) puts the CDATA markers inside /* */ comments, so the same
    bytes run as the same script whether a browser parses the page as XML or as text/html.
    """
    return etree.CDATA("\n" + xml_safe(_SCRIPT_BREAKOUTS.sub(_defuse, code)) + "\n")


def style_body(css):
    """The content for an inline <style>, protected the same way as script_body."""
    return etree.CDATA("\n" + xml_safe(_STYLE_BREAKOUTS.sub(_defuse, css)) + "\n")
