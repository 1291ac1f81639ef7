from pycopia_www.urls import route

routes = [
    route(r"^/(?P<page>[a-z-]+)\.html$", "webapps.echo.echo", name="manual"),
    route(r"^/$", "webapps.echo.echo", name="docs-home"),
]
