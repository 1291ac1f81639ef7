"""Backend docs of the demo site: the manual, on its own virtual host."""
from pycopia_www.markup import XHTMLDocument

from handlers.identity import identity_app
from handlers.pages import serve_page, served_by

_identity = identity_app("docs")


def manual(environ):
    doc = XHTMLDocument("pycopia-www manual")
    content = doc.add_section("content")
    content.add_heading(1, "The manual")
    served_by(content, "docs")
    content.add_paragraph("This virtual host has one backend of its own, under its own user. "
                          "The full documentation is in the docs/ folder of the project.")
    content.add_definition_list({"make run": "serve the demo site", "make test": "run every test",
                                 "websitectl status": "who runs as whom, since when"})
    return doc


def application(environ, start_response):
    if environ.get("PATH_INFO") in ("", "/"):
        return serve_page(manual, environ, start_response)
    return _identity(environ, start_response)
