from pycopia_www.urls import route

routes = [
    route(r"^/api/users/(?P<uid>\d+)$", "webapps.echo.echo_int_uid", name="user"),
    route(r"^/status$", "webapps.echo.echo", name="status"),
]
