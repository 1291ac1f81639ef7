"""The web layer's unit-test ui routes, minus the one whose handler deliberately cannot be
imported (which `websitectl check` rightly refuses), for running through real lighttpd."""
from webapps.ui import urls as _unit

routes = [r for r in _unit.routes if r.name != "broken"]
error_pages = getattr(_unit, "error_pages", {})
middleware = getattr(_unit, "middleware", ())
limits = getattr(_unit, "limits", None)
