"""Text going into the tree: characters a page can hold, and inline script/style bodies.

Ordinary text needs no escaping here: lxml escapes &, < and > (and quotes in attributes) when
it serialises, so text can never become markup. What is cleaned is the characters a page
cannot carry: XML 1.0 forbids NUL, most C0 controls and lone surrogates (lxml refuses them),
and the HTML parsing rules call DEL, the C1 controls, noncharacters and a written-out carriage
return parse errors. Those become U+FFFD (CR and CRLF become LF, as any parser would make them),
rather than an exception, because they usually arrive in data the page author does not control.
"""
import re

from lxml import etree

REPLACEMENT = "\ufffd"
_NONCHARACTERS = "".join(chr(plane << 16 | low) for plane in range(1, 17) for low in (0xFFFE, 0xFFFF))
_UNFIT = re.compile("\r\n?|[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd"
                    "\U00010000-\U0010ffff]|[" + _NONCHARACTERS + "]")


def _replace(match):
    return "\n" if match.group(0)[0] == "\r" else REPLACEMENT


def clean_text(text):
    """`text` with every character a page cannot hold replaced (see above)."""
    # The common case, checked at C speed: every printable character is one a page can hold
    # (what _UNFIT matches is a control, a surrogate or a noncharacter, none printable).
    if text.isprintable():
        return text
    return _UNFIT.sub(_replace, text)


def set_text(element, text):
    element.text = clean_text(text)


def append_text(element, text):
    """Add text after everything already in `element` (its text, or its last child's tail)."""
    text = clean_text(text)
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text


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
    return etree.CDATA("\n" + clean_text(_SCRIPT_BREAKOUTS.sub(_defuse, code)) + "\n")


def style_body(css):
    """The content for an inline <style>, protected the same way as script_body."""
    return etree.CDATA("\n" + clean_text(_STYLE_BREAKOUTS.sub(_defuse, css)) + "\n")
