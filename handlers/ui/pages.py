"""The demo appliance's home page."""
from pycopia_www.markup import XHTMLDocument

from handlers.pages import served_by

TOUR = [
    ("/status", "the db backend", "a regular-expression route, user pwww-db"),
    ("/sys/", "the sys backend", "the privileged part, running as root"),
    ("/media/README.txt", "a static file", "served by lighttpd itself"),
]


def home(environ):
    doc = XHTMLDocument("pycopia-www appliance")
    content = doc.add_section("content")
    content.add_heading(1, "pycopia-www appliance")
    served_by(content, "ui")
    content.add_heading(2, "Around the farm")
    tour = content.add_list([])
    for href, what, why in TOUR:
        item = tour.add_item()
        item.add_anchor(href, what)
        item.add_text(f": {why}")
    host = environ.get("HTTP_HOST", "localhost").partition(":")[2]
    manual = content.add_paragraph("The manual lives on another virtual host: ")
    manual.add_anchor(f"http://docs.localhost{':' + host if host else ''}/", "docs.localhost")
    return doc
