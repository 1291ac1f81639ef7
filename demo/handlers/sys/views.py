"""The privileged backend's page."""
import platform

from pycopia_www.web.response import Redirect

from handlers.common import page


def index(request):
    doc, content = page("System", request)
    cards = content.add_div(class_="cards")
    for title, value in (("Kernel", platform.release()), ("Machine", platform.machine()),
                         ("Host name", platform.node())):
        card = cards.add_div(class_="card")
        card.add_heading(2, title)
        card.add_paragraph(value, class_="value")
    content.add_paragraph().add_anchor(request.get_url("sys-me"), "Run a command as me")
    # The header has "Log out"; this one ends every session of the user, on every device.
    everywhere = content.add_form(action=request.get_url("auth-logout"), id="logout-everywhere")
    everywhere.add_hidden("everywhere", "1")
    everywhere.add_submit("Log out everywhere", class_="secondary")
    return doc


def health(request):
    """Whether the privileged backend answers; public, so it tells nothing about the system."""
    return {"ok": True}


def to_index(request):
    return Redirect(request.get_url("sys-home"), 308)
