from pycopia_www.urls import route

routes = [
    route(r"^$", "webapps.echo.echo", name="admin-bare"),
    route(r"^/$", "webapps.echo.echo", name="admin-home"),
    route(r"^/users/(?P<name>[a-z]+)$", "webapps.echo.echo", name="admin-user"),
    route(r"^/boom$", "webapps.ui.views.boom", name="admin-boom"),
]
