"""Build XHTML pages in Python, Tk-style, on lxml. See docs/markup.md.

    doc = XHTMLDocument("Network")                # or HTML5Document
    content = doc.add_section("content")
    form = content.add_form(action="/net", values={"hostname": "box"})
    fs = form.add_fieldset("Network")
    fs.add_textinput("hostname", "Host name")
    form.add_submit("Save")
    body, content_type = doc.render(request_accept_header)
"""
from .container import Container, Table
from .dialect import HTML5, XHTML1_STRICT
from .document import Document, HTML5Document, Rendered, XHTMLDocument
from .errors import MarkupError
from .negotiate import negotiate
from .node import Node
from .context import page_context, set_csrf_provider, set_url_resolver
from .settings import CSRF_FIELD, set_debug
from .tables import Link
from .urls import url

__all__ = [
    "CSRF_FIELD", "Container", "Document", "HTML5", "HTML5Document", "Link", "MarkupError", "Node",
    "Rendered", "Table", "XHTML1_STRICT", "XHTMLDocument", "negotiate", "page_context",
    "set_csrf_provider", "set_debug", "set_url_resolver", "url",
]
