"""The demo appliance's pages: every link is built with get_url, none is written by hand."""
import json
from pathlib import Path

from pycopia_www.web.response import Redirect

from handlers.common import page

NOTES = Path("notes.json")      # in this backend's private state directory (its working directory)
MAX_NOTES = 50


def home(request):
    doc, content = page("pycopia-www appliance", "ui")
    content.add_heading(2, "Around the farm")
    tour = content.add_list([])
    for target, what, why, kw in [
        ("notes", "Notes", "a class-based handler with a form that posts, then redirects", {}),
        ("status", "Status", "another backend (db, user pwww-db), reached by a regex route", {}),
        ("sys-home", "System", "the privileged backend (sys, root)", {}),
        ("manual", "The manual", "another virtual host (docs), an absolute URL", {"_host": "docs"}),
    ]:
        item = tour.add_item()
        item.add_anchor(request.get_url(target, **kw), what)
        item.add_text(f": {why}")
    content.add_paragraph().add_anchor("/media/README.txt", "A static file, served by lighttpd")
    return doc


def _load() -> list[str]:
    try:
        return json.loads(NOTES.read_text())
    except (FileNotFoundError, ValueError):
        return []


class Notes:
    """GET shows the notes and a form; POST adds one and redirects back (no resubmit on reload)."""

    def get(self, request, errors=None):
        doc, content = page("Notes", "ui")
        content.add_list(_load(), empty="No notes yet.")
        form = content.add_form(action=request.get_url("notes"), errors=errors or {})
        fs = form.add_fieldset("New note")
        fs.add_textinput("text", "Note")
        form.add_submit("Add")
        content.add_paragraph().add_anchor(request.get_url("home"), "Home")
        return doc

    def post(self, request):
        text = (request.form.get("text") or "").strip()
        if not text or len(text) > 200:
            return self.get(request, errors={"text": "Write 1 to 200 characters."})
        notes = (_load() + [text])[-MAX_NOTES:]
        NOTES.write_text(json.dumps(notes))
        return Redirect(request.get_url("notes"), 303)


def not_found(request, error):
    doc, content = page("Not found", "ui")
    content.add_paragraph(f"Nothing lives at {request.path}.")
    content.add_paragraph().add_anchor(request.get_url("home"), "Home")
    return doc
