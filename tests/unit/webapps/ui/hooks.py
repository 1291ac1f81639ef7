"""Middleware for the ui test backend: each records its passage, so tests can see the order."""


def _record(request_or_environ, what):
    environ = getattr(request_or_environ, "environ", request_or_environ)
    environ.setdefault("hooks", []).append(what)


class Outer:
    def before(self, request):
        _record(request, "outer.before")
        if request.query.get("stop") == "outer":
            return "stopped by outer"

    def after(self, request, response):
        _record(request, "outer.after")
        response.headers.add("X-Order", ",".join(request.environ["hooks"]))


def wsgi_tag(app):
    def wrapped(environ, start_response):
        _record(environ, "wsgi.in")

        def sr(status, headers, exc_info=None):
            _record(environ, "wsgi.out")
            return start_response(status, headers + [("X-Wsgi", "yes")], exc_info)
        return app(environ, sr)
    return wrapped


class Inner:
    def before(self, request):
        _record(request, "inner.before")

    def after(self, request, response):
        _record(request, "inner.after")
