"""The demo appliance's pages: every link is built with get_url, none is written by hand."""
from pycopia_www.ui import flash_redirect
from pycopia_www.ui.forms import schema_form

from handlers.common import page
from handlers.ui.live import TOPIC, status_fields
from handlers.ui.settings import ROLLBACK_SECONDS, DemoSettings, store


def home(request):
    settings = store.load()
    doc, content = page(settings.site_name, request)
    if settings.motd:
        content.add_paragraph(settings.motd, id="motd")
    content.add_heading(2, "Around the farm")
    tour = content.add_list([])
    for target, what, why, kw in [
        ("notes", "Notes", "a form that posts, then redirects; stored in the db backend's database", {}),
        ("hosts", "Hosts", "a page built in JavaScript through the database JSON API", {}),
        ("hosts-table", "Hosts as table pages", "the same table as generated pages: list, "
         "search, sort, view, add, edit, delete, without JavaScript", {}),
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
    second; each value names its topic and field, and /pwww/live.js updates it)."""
    s = status_fields()
    panel = content.add_section("status")
    panel.add_heading(2, "Live status")
    cards = panel.add_div(class_="cards")
    for key, term in [("hostname", "Host name"), ("uptime", "Up for"), ("load", "Load"),
                      ("memory", "Memory available"), ("processes", "Processes"),
                      ("publisher", "Published by process")]:
        card = cards.add_div(class_="card")
        card.add_heading(3, term)
        card.add_paragraph(s[key], id=f"status-{key}", class_="value", data_topic=TOPIC,
                           data_field=key)
    p = panel.add_paragraph("Updated: ")
    p.add_span("when the page was built", id="status-updated", data_topic=TOPIC, data_field="updated")


class Settings:
    """The settings form, generated from the DemoSettings dataclass. js/demo.js saves it through
    the proxy (named arguments); without scripts it posts here and the same schema checks it.
    "Apply" puts the values on probation: they are undone unless confirmed in time."""

    def get(self, request, form=None):
        doc, content = page("Settings", request)
        pending = store.pending()
        if pending is not None:
            _pending_box(content, request, pending)
        form = form or schema_form(DemoSettings, store.load())
        # novalidate: the server's checks speak (the same messages with and without scripts).
        form.render(content, request.get_url("settings"), id="settings-form", novalidate=True,
                    legend="Site", buttons=[(f"Apply for {ROLLBACK_SECONDS} s", "action", "apply")])
        content.add_paragraph(None, id="settings-result", role="status")
        doc.add_script("/js/demo-start.js", in_body=True)   # imports js/demo.js
        return doc

    def post(self, request):
        form = schema_form(DemoSettings).bind(request.form)
        if not form.valid:
            return self.get(request, form)      # errors next to their fields, values as typed
        if request.form.get("action") == "apply":
            store.apply(form.data, rollback_after=ROLLBACK_SECONDS)
            return flash_redirect(request.get_url("settings"), "applied")
        store.save(form.data)
        return flash_redirect(request.get_url("settings"), "saved")


def _pending_box(content, request, pending) -> None:
    """The countdown (js/demo.js ticks it; without scripts it says when) and the confirm button."""
    box = content.add_div(class_="pending", id="pending",
                          data_deadline=str(int(pending.deadline * 1000)))
    p = box.add_paragraph("These settings are applied on probation. Unless you keep them, the "
                          "previous ones come back in ")
    p.add_span(f"{int(pending.remaining)} s", class_="countdown", id="countdown")
    p.add_text(".")
    form = box.add_form(action=request.get_url("settings-confirm"), id="confirm-form")
    form.add_hidden("token", pending.token)
    form.add_submit("Keep these settings")


def confirm_settings(request):
    kept = store.confirm(request.form.get("token") or "")
    return flash_redirect(request.get_url("settings"), "confirmed" if kept else "reverted")


def not_found(request, error):
    doc, content = page("Not found", request)
    content.add_paragraph(f"Nothing lives at {request.path}.")
    content.add_paragraph().add_anchor(request.get_url("home"), "Home")
    return doc
