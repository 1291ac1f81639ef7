"""The route table of backend "web". Data only: handlers are named here, imported when used."""
from pycopia_www.urls import route

routes = [
    route(r"^/$", "handlers.web.views.home", name="home"),
    route(r"^/api$", "handlers.web.api.api", name="api"),
]
