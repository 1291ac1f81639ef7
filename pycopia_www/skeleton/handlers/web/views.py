"""The pages, built in Python: no templates."""
from pycopia_www.markup import XHTMLDocument


def home(request):
    doc = XHTMLDocument("@SITE@")
    content = doc.add_section("content")
    content.add_heading(1, "Hello from @SITE@")
    content.add_paragraph("This page is built by handlers/web/views.py.")
    line = content.add_paragraph("The proxy at ")
    line.add_anchor(request.get_url("api"), "/api")
    line.add_text(" says: ")
    line.add_span("(this needs JavaScript)", id="greeting")
    doc.add_script("/static/app.js", in_body=True)
    return doc
