"""The privileged backend's page."""
import platform

from pycopia_www.web.response import Redirect

from handlers.common import page


def index(request):
    doc, content = page("System", "sys", request)
    content.add_definition_list({"Kernel": platform.release(), "Machine": platform.machine(),
                                 "Host name": platform.node()})
    content.add_paragraph().add_anchor(request.get_url("sys-me"), "Run a command as me")
    content.add_paragraph().add_anchor(request.get_url("home"), "Home")
    return doc


def health(request):
    """Whether the privileged backend answers; public, so it tells nothing about the system."""
    return {"ok": True}


def to_index(request):
    return Redirect(request.get_url("sys-home"), 308)
