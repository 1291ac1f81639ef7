"""The ui backend's routes: data only; no view is imported here."""
from pycopia_www.urls import route

V = "webapps.ui.views."

routes = [
    route(r"^/$", V + "index", name="home"),
    route(r"^/row/(?P<table>\w+)/(?P<row>\d+)$", V + "row", name="row"),
    route(r"^/item/new$", V + "new_item", name="new-item"),
    route(r"^/item/(?P<name>\w+)$", V + "item", name="item"),
    route(r"^/thing/(?P<id>[0-9a-f-]{36})$", V + "thing", name="thing"),
    route(r"^/article/(?P<slug>[a-z0-9-]+)$", V + "Article", name="article"),
    route(r"^/draft/(?P<slug>[a-z0-9-]+)$", V + "Draft", name="draft"),
    route(r"^/form$", "webapps.ui.views:form", name="form", methods=["GET", "POST"]),
    route(r"^/upload$", V + "upload", name="upload", max_body=4096, spool_bytes=100),
    route(r"^/json$", V + "echo_json", name="json"),
    route(r"^/cookie$", V + "cookie", name="cookie"),
    route(r"^/query$", V + "echo_query", name="query"),
    route(r"^/raise/(?P<status>\d{3})$", V + "raise_status", name="raise"),
    route(r"^/boom$", V + "boom", name="boom"),
    route(r"^/stream$", V + "stream", name="stream"),
    route(r"^/file/(?P<name>[\w.]+)$", V + "send_file", name="file"),
    route(r"^/redirect/(?P<code>\d{3})$", V + "redirect", name="redirect"),
    route(r"^/request$", V + "describe_request", name="request"),
    route(r"^/links$", V + "links", name="links"),
    route(r"^/broken-import$", "webapps.ui.missing.view", name="broken"),
    route(r"^/page(?:/(?P<n>\d+))?$", V + "page"),              # optional group: by handler only
    route(r"^/(?:en|de)/about$", V + "index", name="about"),     # alternation: never reversible
    route(r"^/echo/s/(?P<s>[^/]+)$", "webapps.echo.echo", name="echo-s"),
    route(r"^/echo/i/(?P<i>-?\d+)$", "webapps.echo.echo_int", name="echo-i"),
    route(r"^/echo/u/(?P<u>[0-9a-f-]{36})$", "webapps.echo.echo_uuid", name="echo-u"),
    route(r"^/echo/d/(?P<d>\d{4}-\d{2}-\d{2})$", "webapps.echo.echo_date", name="echo-d"),
    route(r"^/echo/c/(?P<c>[a-z]+)$", "webapps.echo.echo_color", name="echo-c"),
    route(r"^/echo/p/(?P<p>.+)$", "webapps.echo.echo", name="echo-p"),
    route(r"^/echo/two/(?P<a>\w+)-(?P<b>\d+)\.txt$", "webapps.echo.echo_two", name="echo-two"),
    route(r"^/echo/any/(?P<x>[^/]*)/end$", "webapps.echo.echo", name="echo-any"),
    route(r"^/markup$", V + "markup_page", name="markup"),
    route(r"^/calls/(?P<n>\d+)$", V + "counter"),
]

middleware = ["webapps.ui.hooks.Outer", "webapps.ui.hooks.wsgi_tag", "webapps.ui.hooks.Inner"]
error_pages = {404: "webapps.ui.views.not_found"}
limits = {"max_fields": 50}
