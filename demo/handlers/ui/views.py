"""The demo appliance's pages: every link is built with get_url, none is written by hand."""
import json
from pathlib import Path

from pycopia_www.web.response import Redirect

from pycopia_www.events import publish
from pycopia_www.markup import HTML5Document

from handlers.common import page
from handlers.ui.api import load_settings, store_settings
from handlers.ui.live import TOPIC, status_fields

NOTES = Path("notes.json")      # in this backend's private state directory (its working directory)
MAX_NOTES = 50


def home(request):
    settings = load_settings()
    doc, content = page(settings["site_name"], "ui", kind=HTML5Document)   # data-topic: HTML5
    if settings["motd"]:
        content.add_paragraph(settings["motd"], id="motd")
    content.add_heading(2, "Around the farm")
    tour = content.add_list([])
    for target, what, why, kw in [
        ("notes", "Notes", "a class-based handler with a form that posts, then redirects", {}),
        ("settings", "Settings", "a form saved through a proxy call (or a plain post without scripts)", {}),
        ("status", "Status", "another backend (db, user pwww-db), reached by a regex route", {}),
        ("sys-home", "System", "the privileged backend (sys, root)", {}),
        ("manual", "The manual", "another virtual host (docs), an absolute URL", {"_host": "docs"}),
    ]:
        item = tour.add_item()
        item.add_anchor(request.get_url(target, **kw), what)
        item.add_text(f": {why}")
    content.add_paragraph().add_anchor("/media/README.txt", "A static file, served by lighttpd")
    _status_panel(content)
    doc.add_script("/pwww/live.js", in_body=True)       # keeps the data-topic elements live
    failing = content.add_section("failing")
    failing.add_heading(2, "A call that fails")
    p = failing.add_paragraph("The proxy method fail() raises ValueError; the page shows the rejection. ")
    # Enabled by js/demo.js: without the script the button could do nothing.
    p.add_element("button", "Call fail()", type_="button", id="fail-button", disabled=True)
    failing.add_paragraph(id="fail-result")
    doc.add_script("/js/demo-start.js", in_body=True)   # imports js/demo.js
    return doc


def _status_panel(content):
    """The live status: filled in here, then pushed (handlers/ui/live.py publishes it every
    second; each element names its topic and field, and /pwww/live.js updates it)."""
    s = status_fields()
    panel = content.add_section("status")
    panel.add_heading(2, "Live status")
    dl = panel.add_element("dl")
    for key, term in [("hostname", "Host name"), ("uptime", "Up for"), ("load", "Load"),
                      ("memory", "Memory available"), ("processes", "Processes"),
                      ("publisher", "Published by process")]:
        dl.add_term(term)
        dl.add_definition(s[key], id=f"status-{key}", data_topic=TOPIC, data_field=key)
    p = panel.add_paragraph("Updated: ")
    p.add_span("when the page was built", id="status-updated", data_topic=TOPIC, data_field="updated")


class Settings:
    """The settings form. js/demo.js saves it through the proxy (named arguments); without
    scripts it posts here and is saved by the same code."""

    def get(self, request, values=None, errors=None):
        doc, content = page("Settings", "ui")
        form = content.add_form(action=request.get_url("settings"), values=values or load_settings(),
                                errors=errors or {}, id="settings-form")
        fs = form.add_fieldset("Site")
        fs.add_textinput("site_name", "Site name")
        fs.add_number("refresh_seconds", "Publish the status every (seconds)", min=1, max=3600)
        fs.add_textarea("motd", "Message of the day", rows=3)
        form.add_submit("Save")
        saved = "saved" in request.query and not errors
        content.add_paragraph("Saved." if saved else None, id="settings-result")
        content.add_paragraph().add_anchor(request.get_url("home"), "Home")
        doc.add_script("/js/demo-start.js", in_body=True)   # imports js/demo.js
        return doc

    def post(self, request):
        form = request.form
        values = {k: form.get(k) or "" for k in ("site_name", "refresh_seconds", "motd")}
        try:
            refresh = int(values["refresh_seconds"])
        except ValueError:
            return self.get(request, values=values, errors={"refresh_seconds": "Write a whole number."})
        try:
            store_settings(values["site_name"], refresh, values["motd"])
        except ValueError as exc:
            return self.get(request, values=values, errors={None: str(exc)})
        return Redirect(request.get_url("settings"), 303, query={"saved": 1})


def _load() -> list[str]:
    try:
        return json.loads(NOTES.read_text())
    except (FileNotFoundError, ValueError):
        return []


class Notes:
    """GET shows the notes and a form; POST adds one and redirects back (no resubmit on reload).
    Every page showing the notes gets a new one at once: POST publishes it (notes.added), and
    js/demo.js adds it to the list."""

    def get(self, request, errors=None):
        doc, content = page("Notes", "ui")
        content.add_list(_load(), empty="No notes yet.", id="notes")
        form = content.add_form(action=request.get_url("notes"), errors=errors or {})
        fs = form.add_fieldset("New note")
        fs.add_textinput("text", "Note")
        form.add_submit("Add")
        content.add_paragraph().add_anchor(request.get_url("home"), "Home")
        doc.add_script("/js/demo-start.js", in_body=True)   # imports js/demo.js
        return doc

    def post(self, request):
        text = (request.form.get("text") or "").strip()
        if not text or len(text) > 200:
            return self.get(request, errors={"text": "Write 1 to 200 characters."})
        notes = (_load() + [text])[-MAX_NOTES:]
        NOTES.write_text(json.dumps(notes))
        publish("notes.added", {"text": text})
        return Redirect(request.get_url("notes"), 303)


def not_found(request, error):
    doc, content = page("Not found", "ui")
    content.add_paragraph(f"Nothing lives at {request.path}.")
    content.add_paragraph().add_anchor(request.get_url("home"), "Home")
    return doc
