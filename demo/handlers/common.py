"""What every demo page shares: the framework's layout (pycopia_www.ui) with the demo's name and
a footer saying which backend, user and process built the page."""
import os
import pwd

from pycopia_www.ui import Layout

SITE_NAME = "pycopia-www appliance"


def _site_name(request) -> str:
    """The name saved on the settings page; the ui backend keeps it, the others use the default
    (they run as other users and cannot read the ui backend's state)."""
    from handlers.ui.settings import store         # the settings live in the ui backend
    if not store.path.exists():
        return SITE_NAME
    return store.load().site_name


def _served_by(page, request) -> None:
    p = page.footer.add_paragraph("Served by backend ", class_="served-by")
    p.add_code(_backend(request))
    p.add_text(" as user ")
    p.add_code(pwd.getpwuid(os.getuid()).pw_name)
    p.add_text(f", process {os.getpid()}.")


def _backend(request) -> str:
    urls = request.urls
    resolved = urls.resolve(request.path)
    return resolved.backend.name if resolved.backend is not None else "?"


LAYOUT = Layout(site_name=_site_name, footer=_served_by)


def page(title: str, request, *, heading: bool = True):
    """A page in the demo's layout: (document, content container)."""
    p = LAYOUT.page(request, title, heading=heading)
    return p, p.content
