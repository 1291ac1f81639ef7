"""The demo appliance's pages: every link is built with get_url, none is written by hand."""
from pycopia_www.web.response import Redirect

from handlers.common import page
from handlers.ui.api import load_settings, store_settings, system_status


def home(request):
    settings = load_settings()
    doc, content = page(settings["site_name"], "ui")
    if settings["motd"]:
        content.add_paragraph(settings["motd"], id="motd")
    content.add_heading(2, "Around the farm")
    tour = content.add_list([])
    for target, what, why, kw in [
        ("notes", "Notes", "a form that posts, then redirects; stored in the db backend's database", {}),
        ("hosts", "Hosts", "a page built in JavaScript through the database JSON API", {}),
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
    failing = content.add_section("failing")
    failing.add_heading(2, "A call that fails")
    p = failing.add_paragraph("The proxy method fail() raises ValueError; the page shows the rejection. ")
    # Enabled by js/demo.js: without the script the button could do nothing.
    p.add_element("button", "Call fail()", type_="button", id="fail-button", disabled=True)
    failing.add_paragraph(id="fail-result")
    doc.add_script("/js/demo-start.js", in_body=True)   # imports js/demo.js
    return doc


def _status_panel(content):
    """The live status, filled in here and refreshed by js/demo.js through /api/demo."""
    s = system_status()
    panel = content.add_section("status")
    panel.add_heading(2, "Live status")
    dl = panel.add_element("dl")
    for key, term, text in [
        ("hostname", "Host name", s["hostname"]),
        ("uptime", "Up for", format_duration(s["uptime"])),
        ("load", "Load", " ".join(f"{x:.2f}" for x in s["load"])),
        ("memory", "Memory available", f"{format_bytes(s['memory_available'])} of {format_bytes(s['memory_total'])}"),
        ("processes", "Processes", s["processes"]),
        ("worker", "Answered by worker", s["worker"]),
    ]:
        dl.add_term(term)
        dl.add_definition(str(text), id=f"status-{key}")
    p = panel.add_paragraph("Updated: ")
    p.add_span("when the page was built", id="status-updated")
    panel.add_paragraph(id="status-error", class_="error")


# The same formats as js/demo.js, so a refresh changes only what changed.
def format_duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    return f"{days} d {hours} h {minutes:02d} min" if days else f"{hours} h {minutes:02d} min"


def format_bytes(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


class Settings:
    """The settings form. js/demo.js saves it through the proxy (named arguments); without
    scripts it posts here and is saved by the same code."""

    def get(self, request, values=None, errors=None):
        doc, content = page("Settings", "ui")
        form = content.add_form(action=request.get_url("settings"), values=values or load_settings(),
                                errors=errors or {}, id="settings-form")
        fs = form.add_fieldset("Site")
        fs.add_textinput("site_name", "Site name")
        fs.add_number("refresh_seconds", "Refresh the status every (seconds)", min=1, max=3600)
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


def not_found(request, error):
    doc, content = page("Not found", "ui")
    content.add_paragraph(f"Nothing lives at {request.path}.")
    content.add_paragraph().add_anchor(request.get_url("home"), "Home")
    return doc
