"""Backend docs of the demo site: the manual, on its own virtual host."""
from pycopia_www.urls import route

routes = [route(r"^/$", "handlers.docs.views.manual", name="manual", menu="The manual")]
