import json
import time

from pycopia_www.markup import XHTMLDocument

SEEN = ("REMOTE_USER", "PWWW_ROLES", "PWWW_SESSION", "HTTP_REMOTE_USER", "HTTP_VARIABLE_REMOTE_USER",
        "HTTP_X_REMOTE_USER", "HTTP_PWWW_ROLES")


def _record(request):
    # in the backend's state directory (its working directory), one line per request served
    with open("hits.log", "a") as f:
        f.write(json.dumps({"path": request.path, "user": request.environ.get("REMOTE_USER"),
                            "at": time.time()}) + "\n")


def whoami(request):
    _record(request)
    return {k: request.environ.get(k) for k in SEEN} | {"csrf": bool(request.environ.get("PWWW_CSRF"))}


def form(request):
    _record(request)
    if request.method == "POST":
        return {"posted": request.form.get("text")}
    doc = XHTMLDocument("form")
    f = doc.add_form(action="/g/form")
    f.add_textinput("text", "Text")
    return doc
