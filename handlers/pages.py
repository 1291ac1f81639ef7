"""Serving a markup document from a plain WSGI application (until the web layer's responses)."""
import os
import pwd


def serve_page(build, environ, start_response):
    """`build(environ)` returns a markup document; content type negotiated from Accept."""
    body, content_type = build(environ).render(environ.get("HTTP_ACCEPT", ""))
    start_response("200 OK", [("Content-Type", content_type), ("Vary", "Accept"),
                              ("Content-Length", str(len(body)))])
    return [body]


def served_by(container, backend: str) -> None:
    """A line telling which backend process, as which user, built this page."""
    p = container.add_paragraph("Served by backend ", class_="served-by")
    p.add_code(backend)
    p.add_text(" as user ")
    p.add_code(pwd.getpwuid(os.getuid()).pw_name)
    p.add_text(f", process {os.getpid()}.")
