"""The bench page, ours: a route table, a layout function and a handler on request.db (the
session hook of a backend with `database`), built with the markup builder."""
from sqlalchemy import select

from pycopia_www.markup import Link, XHTMLDocument
from pycopia_www.urls import route

from page_models import NAV, Group, Host

routes = [route(r"^/hosts$", "page_ours.hosts", name="hosts"),
          route(r"^/host/(?P<id>\d+)$", "page_ours.host", name="host")] + [
    route(f"^/{name}$", "page_ours.host", name=name) for name, _ in NAV if name != "hosts"]
QUERY = (select(Host.id, Host.name, Host.address, Group.name, Host.enabled, Host.created)
         .join(Group).order_by(Host.name).limit(100))
HEADINGS = ["Name", "Address", "Group", "Enabled", "Created"]


def layout(request, title: str):
    doc = XHTMLDocument(f"{title} — Bench appliance", stylesheets=["/media/site.css"])
    header = doc.add_div(id="header")
    header.add_paragraph("Bench appliance", class_="site")
    nav = header.add_list([], id="nav")
    for name, text in NAV:
        nav.add_item().add_anchor(request.get_url(name), text)
    content = doc.add_div(id="content")
    content.add_heading(1, title)
    doc.add_div(id="footer").add_paragraph("Served by the bench.")
    return doc, content


def hosts(request):
    doc, content = layout(request, "Hosts")
    rows = request.db.execute(QUERY).all()
    content.add_paragraph(f"{len(rows)} hosts")
    get_url = request.get_url
    content.add_table([(Link(get_url("host", id=id_), name), address, group,
                        "yes" if enabled else "no", created.strftime("%Y-%m-%d %H:%M"))
                       for id_, name, address, group, enabled, created in rows], HEADINGS)
    return doc


def host(request, id: int = 0):
    return f"host {id}"
