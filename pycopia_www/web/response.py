"""Responses. A Response is itself a WSGI application: response(environ, start_response).

    return Response("plain text")              # str -> text/plain; charset=utf-8 (never HTML)
    return HTMLResponse(markup_string)         # trusted markup, sent as it is
    return JSONResponse({"ok": True})
    return Redirect(request.get_url("home"), 303, query={"saved": 1})
    return FileResponse("/srv/files/report.pdf", filename="report.pdf")   # lighttpd sends it
    return StreamResponse(generate_lines(), content_type="text/csv")
"""
import json
import os
from html import escape
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, urlencode

from .cookies import format_set_cookie
from .headers import Headers

TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
BINARY = "application/octet-stream"
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
# What may stay unencoded in a Location: reserved and unreserved characters, and '%' so that an
# already encoded URL is left alone.
_LOCATION_SAFE = "/:?#[]@!$&'()*+,;=%-._~"


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


class Response:
    """A status, headers, and a body of bytes, str (sent as UTF-8) or an iterable of either."""

    def __init__(self, body=b"", status: int = 200, headers=None, content_type: str | None = None):
        self.status = status
        self.headers = headers if isinstance(headers, Headers) else Headers(headers or ())
        if isinstance(body, str):
            body = body.encode("utf-8")
            content_type = content_type or TEXT
        elif isinstance(body, (bytes, bytearray, memoryview)):
            body = bytes(body)
        self.body = body
        if content_type is not None:
            self.headers.set("Content-Type", content_type)
        elif isinstance(body, bytes) and body and "Content-Type" not in self.headers:
            self.headers.set("Content-Type", BINARY)

    def set_cookie(self, name: str, value: str = "", **attributes) -> None:
        """Attributes: max_age, expires, path="/", domain, secure=False, httponly=True,
        samesite="Lax", partitioned=False."""
        self.headers.add("Set-Cookie", format_set_cookie(name, value, **attributes))

    def delete_cookie(self, name: str, *, path: str | None = "/", domain: str | None = None) -> None:
        self.headers.add("Set-Cookie", format_set_cookie(
            name, "", max_age=0, expires=0, path=path, domain=domain))

    def without_body(self) -> "Response":
        """For HEAD: the same headers (Content-Length included), no body."""
        if isinstance(self.body, bytes):
            self.headers.setdefault("Content-Length", str(len(self.body)))
        elif hasattr(self.body, "close"):
            self.body.close()
        self.body = b""
        return self

    def __call__(self, environ, start_response):
        body = self.body
        if isinstance(body, bytes):
            if self.status not in (204, 304):   # these must not carry a Content-Length
                self.headers.setdefault("Content-Length", str(len(body)))
            start_response(status_line(self.status), self.headers.items())
            return [body]
        start_response(status_line(self.status), self.headers.items())
        return _encode_chunks(body)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status}>"


class _encode_chunks:
    """An iterable body as bytes; close() reaches the original (PEP 3333)."""

    def __init__(self, iterable):
        self._iterable = iterable

    def __iter__(self):
        for chunk in self._iterable:
            yield chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)

    def close(self):
        close = getattr(self._iterable, "close", None)
        if close is not None:
            close()


class HTMLResponse(Response):
    """Markup you built and trust. Build pages with pycopia_www.markup, which escapes for you;
    returning a Document from a handler does this, with content negotiation, automatically."""

    def __init__(self, markup: str | bytes, status: int = 200, headers=None):
        if isinstance(markup, str):
            markup = markup.encode("utf-8")
        super().__init__(markup, status, headers, HTML)


class JSONResponse(Response):
    def __init__(self, data, status: int = 200, headers=None, *, default=None):
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=default)
        super().__init__(body.encode("utf-8"), status, headers, "application/json")


class StreamResponse(Response):
    """A body produced chunk by chunk (str chunks are sent as UTF-8); nothing is buffered."""

    def __init__(self, chunks, status: int = 200, headers=None, content_type: str = BINARY):
        super().__init__(iter(chunks), status, headers, content_type)


class Redirect(Response):
    def __init__(self, location: str, status: int = 302, *, query=None, headers=None):
        if status not in REDIRECT_STATUSES:
            raise ValueError(f"a redirect status is one of {sorted(REDIRECT_STATUSES)}, not {status}")
        # Quoting also turns a backslash into %5C: browsers read "/\\host" like "//host".
        location = quote(location, safe=_LOCATION_SAFE)
        if location.startswith("//"):
            # Browsers read this as another host: an open redirect waiting to happen.
            raise ValueError(f"refusing a scheme-relative redirect to {location!r}")
        if query:
            pairs = query.items() if hasattr(query, "items") else query
            location += ("&" if "?" in location else "?") + urlencode(list(pairs), doseq=True)
        super().__init__(f'<p>Redirecting to <a href="{escape(location)}">{escape(location)}</a></p>\n'
                         .encode("utf-8"), status, headers, HTML)
        self.headers.set("Location", location)
        self.location = location


class FileResponse(Response):
    """Let lighttpd send a file (X-Sendfile): the backend worker is free at once, and lighttpd
    does ranges, caching headers and sendfile(2). The path must be absolute; the lighttpd backend
    needs "x-sendfile" => "enable" (and an x-sendfile-docroot covering the file)."""

    def __init__(self, path, *, content_type: str | None = None, filename: str | None = None,
                 attachment: bool = False, status: int = 200, headers=None):
        path = Path(path)
        if not path.is_absolute():
            raise ValueError(f"X-Sendfile needs an absolute path, not {str(path)!r}")
        if content_type is None:
            import mimetypes        # here: only file responses need its tables
            guessed, encoding = mimetypes.guess_type(path.name)
            content_type = guessed if guessed and not encoding else BINARY
            if content_type.startswith("text/"):
                content_type += "; charset=utf-8"
        super().__init__(b"", status, headers, content_type)
        self.path = path
        # Header values are latin-1 in WSGI: this passes the file name's bytes through unchanged.
        self.headers.set("X-Sendfile", os.fsencode(path).decode("latin-1"))
        if filename is not None or attachment:
            self.headers.set("Content-Disposition", content_disposition(
                filename or path.name, attachment))

    def __call__(self, environ, start_response):
        # No Content-Length: lighttpd sets it from the file.
        start_response(status_line(self.status), self.headers.items())
        return []


def content_disposition(filename: str, attachment: bool) -> str:
    kind = "attachment" if attachment else "inline"
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\%' else "_"
                       for c in filename)
    value = f'{kind}; filename="{fallback}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def to_response(result, request) -> Response:
    """What a handler returned, as a Response. str is text, never markup (escape by default)."""
    if isinstance(result, Response):
        return result
    if isinstance(result, str):
        return Response(result.encode("utf-8"), content_type=TEXT)
    if isinstance(result, (bytes, bytearray, memoryview)):
        return Response(bytes(result), content_type=BINARY)
    if result is None:
        return Response(b"", 204)
    if isinstance(result, (dict, list)):
        return JSONResponse(result)
    render = getattr(result, "render", None)
    if callable(render):
        # A markup Document: body and media type negotiated from the Accept header.
        body, content_type = render(request.environ.get("HTTP_ACCEPT"))
        response = Response(body, content_type=content_type)
        response.headers.add("Vary", "Accept")
        return response
    if hasattr(result, "__iter__"):
        return StreamResponse(result)
    raise TypeError(f"a handler returned {type(result).__name__}; return a Response, str, bytes, "
                    f"dict, list, a markup Document, an iterable or None")
