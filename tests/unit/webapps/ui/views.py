"""Views of the ui test backend: one of each kind of handler and response."""
import uuid

from pycopia_www.web.errors import HTTPError, NotFound
from pycopia_www.web.response import FileResponse, Redirect, Response, StreamResponse

IMPORTED = True


def index(request):
    return "home <b>page</b>"


def row(request, table, row: int):
    return {"table": table, "row": row}


def new_item(request):
    return "new item form"


def item(request, name):
    return f"item {name}"


def thing(request, id: uuid.UUID):
    return {"id": str(id), "type": type(id).__name__}


class Base:
    def get(self, request, slug):
        return f"get {slug}"

    def post(self, request, slug):
        return f"post {slug} {request.form.get('title')}"


class Article(Base):
    def delete(self, request, slug):
        return f"deleted {slug}"


class Draft(Article):
    """Inherits get, post and delete; adds put."""
    def put(self, request, slug):
        return f"put {slug} {request.body.decode()}"


def form(request):
    if request.method == "POST":
        return Redirect(request.get_url("item", name=request.form["name"]), 303, query={"saved": 1})
    return "the form"


def upload(request):
    out = {"fields": request.form.to_dict(), "files": {}}
    for name, f in request.files.items(multi=True):
        out["files"][name] = {"filename": f.filename, "size": f.size, "type": f.content_type,
                              "on_disk": f.on_disk, "data": f.read().decode("latin-1")}
    return out


def echo_json(request):
    return {"got": request.json}


def cookie(request):
    r = Response(f"cookies: {sorted(request.cookies.items())}")
    if "set" in request.query:
        r.set_cookie("session", request.query["set"], max_age=60)
    if "clear" in request.query:
        r.delete_cookie("session")
    return r


def echo_query(request):
    return {k: request.query.getall(k) for k in request.query}


class Teapot(HTTPError):
    status = 418


def raise_status(request, status: int):
    if status == 404:
        raise NotFound("no such <thing>")
    if status == 418:
        raise Teapot("short and stout")
    raise HTTPError("generic")


def boom(request):
    return 1 / 0


def stream(request):
    return StreamResponse(("line %d\n" % i for i in range(3)), content_type="text/plain")


def send_file(request, name):
    import os
    return FileResponse(os.path.join(os.environ["WEBAPPS_FILES"], name), filename=name, attachment=True)


def redirect(request, code: int):
    return Redirect("/target path", code, query={"a": "1 2", "b": ["x", "y"]})


def describe_request(request):
    return {"method": request.method, "path": request.path, "path_info": request.path_info,
            "script_name": request.script_name, "host": request.host, "port": request.port,
            "scheme": request.scheme, "remote_addr": request.remote_addr, "url": request.url,
            "agent": request.headers.get("User-Agent"), "hooks": request.environ.get("hooks", [])}


def links(request):
    return {
        "home": request.get_url("home"),
        "row": request.get_url(row, table="t", row=3),
        "admin": request.get_url("admin-user", name="ann"),
        "api": request.get_url("webapps.echo.echo_int_uid", uid=7),
        "docs": request.get_url("manual", page="intro", _host="docs"),
        "self": request.get_url("links", _external=True, _query={"q": "a b"}, _fragment="top"),
    }


def page(request, n: int = 1):
    return {"n": n}


def not_found(request, error):
    return f"custom 404: {error.reason}"


def markup_page(request):
    from pycopia_www.markup import HTML5Document, url
    doc = HTML5Document("links")
    doc.body.add_anchor(url("row", table="t", row=2), "row")
    doc.body.add_anchor(url("manual", page="intro", _host="docs"), "manual")
    return doc


class Counter:
    """A callable instance as a handler: its __call__'s annotations convert the groups."""
    def __init__(self):
        self.calls = 0

    def __call__(self, request, n: int):
        self.calls += 1
        return {"n": n, "calls": self.calls}


counter = Counter()
