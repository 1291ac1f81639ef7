"""Pieces every demo page shares."""
import os
import pwd

from pycopia_www.markup import XHTMLDocument


def page(title: str, backend: str):
    """A document with the site's stylesheet, a heading and a line saying who built it.
    Returns (document, content container)."""
    doc = XHTMLDocument(title, stylesheets=["/media/site.css"])
    content = doc.add_section("content")
    content.add_heading(1, title)
    p = content.add_paragraph("Served by backend ", class_="served-by")
    p.add_code(backend)
    p.add_text(" as user ")
    p.add_code(pwd.getpwuid(os.getuid()).pw_name)
    p.add_text(f", process {os.getpid()}.")
    return doc, content
