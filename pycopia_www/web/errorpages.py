"""Error responses, rendered in this one place for the whole application: a short page per
status, replaceable per backend; a traceback only in debug.

A backend's route module may set `error_pages = {404: "handlers.ui.views.not_found"}`: the page
is called as page(request, error) and may return anything a handler may; the message to show is
`error.reason` (and `error.title`, e.g. "404 Not Found"). Its status is forced to the error's (a
custom 404 page still answers 404), and if it fails the default page is used.
"""
import logging
import traceback
from html import escape

from .errors import HTTPError, InternalServerError, as_http_error
from .handlers import resolve_dotted
from .response import HTML, Response, to_response

log = logging.getLogger("pycopia_www.web")


def default_page(error: HTTPError, details: str | None = None) -> Response:
    title = escape(error.title)
    body = f"<h1>{title}</h1>\n<p>{escape(error.reason)}</p>\n"
    if details:
        body += f"<pre>{escape(details)}</pre>\n"
    page = (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"/><title>{title}</title></head>\n'
            f"<body>\n{body}</body></html>\n")
    return Response(page.encode("utf-8"), error.status, list(error.headers), HTML)


class ErrorPages:
    def __init__(self, pages: dict | None = None, *, debug: bool = False, logger=None):
        self.pages = dict(pages or {})       # status -> callable or dotted path
        self.debug = debug
        self.log = logger or log

    def render(self, request, error: HTTPError, details: str | None = None) -> Response:
        page = self.pages.get(error.status)
        response = None
        if page is not None and request is not None:
            try:
                if isinstance(page, str):
                    page = self.pages[error.status] = resolve_dotted(page)
                response = to_response(page(request, error), request)
                response.status = error.status
                for name, value in error.headers:
                    response.headers.set(name, value)
            except Exception:
                self.log.exception("the error page for %d failed; using the default", error.status)
                response = None
        if response is None:
            response = default_page(error, details)
        return response

    def response_for(self, request, exc: BaseException) -> Response:
        """The response for anything raised while answering: an HTTPError's page, else 500."""
        if isinstance(exc, HTTPError):
            return self.render(request, exc)
        return self.internal(request, exc)

    def internal(self, request, exc: BaseException) -> Response:
        """500 for an exception a handler let escape: always logged with its traceback; shown to
        the client only in debug mode."""
        if (error := as_http_error(exc)) is not None:     # e.g. an integrity error: 409
            return self.render(request, error)
        where = f"{request.method} {request.environ.get('PATH_INFO', '')!r}" if request else "request"
        self.log.error("500 for %s", where, exc_info=exc)
        details = "".join(traceback.format_exception(exc)) if self.debug else None
        return self.render(request, InternalServerError("The server could not answer this request."),
                           details)
