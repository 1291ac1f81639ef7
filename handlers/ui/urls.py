"""Backend ui of the demo site: the pages."""
from handlers.identity import identity_app
from handlers.pages import serve_page
from handlers.ui.pages import home

_identity = identity_app("ui")


def application(environ, start_response):
    if environ.get("PATH_INFO") in ("", "/"):
        return serve_page(home, environ, start_response)
    return _identity(environ, start_response)
