from pycopia_www.urls import route

routes = [
    route(r"^/ok$", "webapps.echo.echo"),
    route(r"^/row/(\d+)$", "webapps.echo.echo"),
]
