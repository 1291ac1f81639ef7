"""The db backend's answers: JSON for scripts, the Notes page, and the hosts page that
js/hosts.js builds through the database JSON API. Every handler works on request.db, the
request's session: committed when it answers normally, rolled back otherwise."""
import os
import pwd
import time

from sqlalchemy import delete, select

from pycopia_www.data import after_commit
from pycopia_www.events import publish
from pycopia_www.ui import flash_redirect

from handlers.common import page
from handlers.db.models import Note

MAX_NOTES = 50


def status(request):
    load1, load5, load15 = os.getloadavg()
    return {"backend": "db", "user": pwd.getpwuid(os.getuid()).pw_name, "pid": os.getpid(),
            "time": time.time(), "load": [load1, load5, load15],
            "home": request.get_url("home")}


def row(request, table: str, row: int):
    return {"table": table, "row": row, "back": request.get_url("status")}


class Notes:
    """GET shows the notes and a form; POST adds one and redirects back (no resubmit on reload).
    Two workers adding at once both keep their note: each is one row in one transaction."""

    def get(self, request, errors=None):
        doc, content = page("Notes", request)
        notes = request.db.scalars(select(Note.text).order_by(Note.id))
        content.add_list(list(notes), empty="No notes yet.", id="notes")
        form = content.add_form(action=request.get_url("notes"), errors=errors or {})
        fs = form.add_fieldset("New note")
        fs.add_textinput("text", "Note")
        form.add_submit("Add")
        doc.add_script("/js/demo-start.js", in_body=True)   # js/demo.js: new notes appear live
        return doc

    def post(self, request):
        text = (request.form.get("text") or "").strip()
        if not text or len(text) > 200:
            return self.get(request, errors={"text": "Write 1 to 200 characters."})
        db = request.db
        db.add(Note(text=text))
        db.flush()
        newest = select(Note.id).order_by(Note.id.desc()).limit(MAX_NOTES)
        db.execute(delete(Note).where(Note.id.not_in(newest)))
        # Pages showing the notes add it at once (js/demo.js), once it is stored for good.
        after_commit(db, lambda: publish("notes.added", {"text": text}))
        return flash_redirect(request.get_url("notes"), "added")


def hosts(request):
    """The hosts page: its table, filters, pages and forms are built and kept up to date in the
    browser (js/hosts.js) through the database JSON API; this is the frame it fills."""
    doc, content = page("Hosts", request)
    content.add_paragraph("Listed, filtered, sorted, paged, added, edited and deleted through "
                          "the database JSON API, without a page load. Anyone may look; changes "
                          "need a user with role admin.", id="hosts-intro")
    if request.user is None:
        p = content.add_paragraph("Not logged in: ", id="hosts-login")
        p.add_anchor(request.get_url("auth-login", _query={"next": request.path}), "log in")
        p.add_text(" as an admin to change hosts.")
    content.add_div("Starting (this page needs JavaScript)...", id="hosts-app")
    content.add_paragraph(id="hosts-message")
    p = content.add_paragraph("The same table as pages, without JavaScript: ")
    p.add_anchor(request.get_url("hosts-table"), "hosts")
    p.add_text(" and ")
    p.add_anchor(request.get_url("groups-table"), "groups")
    p.add_text(".")
    content.add_paragraph().add_anchor(request.get_url("home"), "Home")
    doc.add_script("/js/hosts-start.js", in_body=True)      # imports js/hosts.js
    return doc

