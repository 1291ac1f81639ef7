"""Documents: XHTMLDocument (XHTML 1.0 Strict, the default) and HTML5Document (HTML5 in XML
syntax). A document owns the <head> (title, meta, stylesheets, scripts) and delegates every
add_*/new_* it does not define itself to its body, so doc.add_section(...) works Tk-style.

A document is serialised for the media type it is sent as: application/xhtml+xml gets the
dialect's own doctype (XHTML 1.0 Strict's for an XHTMLDocument), text/html gets <!DOCTYPE html>
and a <meta charset> (serialize.py). An HTML5Document carries its <meta charset> in the tree
(polyglot markup allows it in XML too), so its two serialisations are the same bytes."""
from typing import NamedTuple

from lxml import etree

from . import settings
from .container import Container
from .dialect import HTML5, HTML_DOCTYPE, XHTML1_STRICT
from .errors import MarkupError
from .namespace import XHTML_NS, XML_NS
from .negotiate import HTML, XHTML, negotiate
from .serialize import to_bytes
from .text import script_body, style_body


class Rendered(NamedTuple):
    """What a response needs: the body and its Content-Type. The choice depended on the
    request's Accept header, so the response must also say `Vary: Accept`."""
    body: bytes
    content_type: str


class Document:
    dialect = None  # set by the subclasses
    charset_in_head = False  # the tree has its own <meta charset> (else text/html gets one)

    def __init__(self, title="", *, lang="en", encoding="utf-8", debug=None, csrf_token=None,
                 csrf_field=settings.CSRF_FIELD, url_resolver=None, stylesheets=(), scripts=(),
                 body_class=None):
        """A new page. debug=None takes settings.set_debug()'s value. csrf_token: a string, or
        a callable returning one (called once, when the first POST form is built).
        url_resolver: overrides the request's (context.py) for this document."""
        self.debug = settings.get_debug() if debug is None else debug
        self.encoding = encoding
        self.csrf_field = csrf_field
        self._csrf_token = csrf_token
        self.url_resolver = url_resolver
        self._ids = set()
        self._counters = {}
        self._has_cdata = False
        self._body_scripts = []
        # subtrees with no empty non-void element (see serialize.close_empty_elements)
        self.clean_subtrees = set()
        self.root = etree.Element("html", nsmap={None: XHTML_NS})
        self.root.set("lang", lang)
        self.root.set("{%s}lang" % XML_NS, lang)
        # Elements, not nodes: a node refers to its document, and a cycle would leave every
        # page to the cyclic garbage collector instead of freeing it when the last use ends.
        self._head = etree.SubElement(self.root, "head")
        if self.charset_in_head:
            self.head._add("meta", None, {"charset": encoding})
        self._title = self.head._add("title", title).element
        self._body = etree.SubElement(self.root, "body")
        for href in stylesheets:
            self.add_stylesheet(href)
        for src in scripts:
            self.add_script(src)
        if body_class:
            self.add_body_class(*([body_class] if isinstance(body_class, str) else body_class))

    @property
    def head(self):
        return Container(self._head, self)

    @property
    def body(self):
        return Container(self._body, self)

    # Tk-style: doc.add_section(...) is doc.body.add_section(...).
    def __getattr__(self, name):
        if name.startswith(("add_", "new_")):
            return getattr(self.body, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- head ---------------------------------------------------------------------------------

    @property
    def title(self):
        return self._title.text or ""

    @title.setter
    def title(self, text):
        self._title.text = None
        Container(self._title, self).add_text(text)

    def add_meta(self, **attrs):
        """A <meta>: add_meta(name="description", content="...")."""
        return self.head._add("meta", None, attrs)

    def add_stylesheet(self, href, media=None, **attrs):
        return self.head._add("link", None, dict(attrs, rel="stylesheet", type="text/css",
                                                 href=href, media=media))

    def add_script(self, src, module=False, defer=False, in_body=False, **attrs):
        """An external script; module=True for an ES module. in_body=True places it at the end
        of <body> (wherever the body has got to when the page is serialised)."""
        attrs = dict(attrs, type="module" if module else "text/javascript", src=src,
                     defer=defer)
        return self._script(attrs, in_body)

    def add_inline_script(self, code, module=False, in_body=False, **attrs):
        """A script written into the page. Its text is never markup: it is put in a CDATA
        section and any "</script", "<!--" or "]]>" in it is defused (text.py)."""
        attrs = dict(attrs, type="module" if module else "text/javascript")
        node = self._script(attrs, in_body)
        node.element.text = script_body(code)
        self._has_cdata = True
        return node

    def add_inline_style(self, css, media=None, **attrs):
        """A <style> in the head, protected like add_inline_script."""
        node = self.head._add("style", None, dict(attrs, type="text/css", media=media))
        node.element.text = style_body(css)
        self._has_cdata = True
        return node

    def _script(self, attrs, in_body):
        if not in_body:
            return self.head._add("script", None, attrs)
        node = self.body._add("script", None, attrs)
        self._body_scripts.append(node.element)
        return node

    def add_body_class(self, *names):
        self.body.add_class(*names)

    # -- state shared with nodes --------------------------------------------------------------

    @property
    def csrf_token(self):
        token = self._csrf_token
        if callable(token):
            token = self._csrf_token = token()
        return token

    @csrf_token.setter
    def csrf_token(self, token):
        self._csrf_token = token

    def claim_id(self, value):
        """Debug mode: refuse an id already used in this document."""
        if value in self._ids:
            raise MarkupError(f"id {value!r} is used twice in this document")
        self._ids.add(value)

    def count(self, kind):
        """1, 2, 3... per kind: numbering for generated ids."""
        number = self._counters[kind] = self._counters.get(kind, 0) + 1
        return number

    # -- output -------------------------------------------------------------------------------

    def to_bytes(self, media_type=XHTML):
        """The whole page, doctype first, in the document's encoding, written for `media_type`:
        "application/xhtml+xml" (the default; also bytes(doc)) or "text/html"."""
        if media_type not in (XHTML, HTML):
            raise ValueError(f"a page is sent as {XHTML!r} or {HTML!r}, not {media_type!r}")
        for script in self._body_scripts:  # keep body scripts last
            self._body.append(script)
        if self.debug:
            self.dialect.check_complete(self.root)
        html = media_type == HTML
        return to_bytes(self.root, HTML_DOCTYPE if html else self.dialect.doctype,
                        self.dialect.void, self.encoding, self._has_cdata,
                        self.clean_subtrees, html=html,
                        charset_meta=html and not self.charset_in_head)

    def __bytes__(self):
        return self.to_bytes()

    def render(self, accept=None):
        """(body bytes, Content-Type) for a request whose Accept header is `accept`."""
        media_type = negotiate(accept)
        return Rendered(self.to_bytes(media_type), f"{media_type}; charset={self.encoding}")


class XHTMLDocument(Document):
    """XHTML 1.0 Strict: valid against the W3C DTD as application/xhtml+xml; as text/html the
    same elements under <!DOCTYPE html>, which are valid HTML too (the Nu Html Checker says so)."""
    dialect = XHTML1_STRICT


class HTML5Document(Document):
    """HTML5 written in XML syntax (polyglot): parses to the same tree as XML and as text/html."""
    dialect = HTML5
    charset_in_head = True
