"""Pieces every demo page shares."""
import os
import pwd

from pycopia_www.markup import XHTMLDocument


def page(title: str, backend: str, request=None, *, kind=XHTMLDocument):
    """A document with the site's stylesheet, a heading and a line saying who built it; with the
    request of a logged-in user, also who that is and buttons to log out. `kind`: the document
    type (HTML5Document for a page with live elements: data-topic is no XHTML 1.0 attribute).
    Returns (document, content container)."""
    doc = kind(title, stylesheets=["/media/site.css"])
    content = doc.add_section("content")
    content.add_heading(1, title)
    p = content.add_paragraph("Served by backend ", class_="served-by")
    p.add_code(backend)
    p.add_text(" as user ")
    p.add_code(pwd.getpwuid(os.getuid()).pw_name)
    p.add_text(f", process {os.getpid()}.")
    if request is not None and request.user is not None:
        _who(content, request)
    return doc, content


def _who(content, request) -> None:
    """Who is logged in, and the logout buttons (POST forms: the CSRF token goes in by itself)."""
    user = request.user
    box = content.add_div(class_="who")
    p = box.add_paragraph("Logged in as ")
    p.add_strong(user.name)
    if user.roles:
        p.add_text(f" (roles: {', '.join(sorted(user.roles))})")
    try:
        logout = request.get_url("auth-logout")
    except LookupError:         # an auth backend without the standard pages (a test stand-in)
        return
    box.add_form(action=logout, id="logout").add_submit("Log out")
    everywhere = box.add_form(action=logout, id="logout-everywhere")
    everywhere.add_hidden("everywhere", "1")
    everywhere.add_submit("Log out everywhere")
