"""A framework application as a backend serves it (build_app), for counting the FastCGI
server's socket writes per response: a markup page, a JSON answer, and a proxy call."""
import tempfile
from pathlib import Path

from pycopia_www.markup import XHTMLDocument
from pycopia_www.proxy import Proxy
from pycopia_www.urls import route
from pycopia_www.web.app import build_app

routes = [
    route(r"^/page$", "webapps.writes.urls.page"),
    route(r"^/json$", "webapps.writes.urls.data"),
    route(r"^/api$", "webapps.writes.urls.api"),
]


def page(request):
    doc = XHTMLDocument("A page")
    doc.add_section("content").add_paragraph("Built by the framework.")
    return doc


def data(request):
    return {"answer": 42}


api = Proxy({"add": lambda a, b: a + b})


def _app():
    from webapps import make_site
    site = make_site(Path(tempfile.mkdtemp(prefix="pwww-writes-")), main="""\
        hosts = ["localhost"]
        default = true
        [[backend]]
        name = "w"
        user = "nobody"
        prefix = "/"
        app = "webapps.writes.urls"
        """)
    return build_app(site, site.backend("main.w"))


app = _app()
