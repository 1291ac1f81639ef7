"""The path lighttpd routes a request on, as the authorizer must judge it, and the check that a
protected backend serves the very path that was authorized (security model: docs/security.md, M1).

lighttpd gives a FastCGI authorizer only the raw REQUEST_URI, but routes on that path
percent-decoded and simplified (its buffer_urldecode_path and buffer_path_simplify, after the
url-normalize parse options: %2e and %2f decoded, "." and ".." removed, "//" collapsed). Rather
than copy that normalisation, and follow it through every lighttpd release, the authorizer
accepts only paths that are already canonical, for which lighttpd's normalisation changes
nothing but the percent-decoding, and refuses the rest (400). A browser never sends anything else.
"""
import re

AUTHZ_PATH = "PWWW_AUTHZ_PATH"     # the variable the authorizer passes: the raw canonical path

# Characters a canonical path may hold as they are: RFC 3986 pchar and "/", with "%" for escapes.
_PLAIN = re.compile(rb"[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*")
_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
# Escapes lighttpd would decode before routing (unreserved characters, "/") or refuse (controls).
_NOT_CANONICAL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/") | \
    frozenset(range(0x20)) | {0x7F}


def canonical_path(request_uri: str) -> tuple[str, str] | None:
    """(the raw path, the path decoded as UTF-8) of a REQUEST_URI whose path is canonical, or
    None. Canonical: starts with "/", only RFC 3986 path characters, every "%" a valid escape of
    a character that must be escaped (not a letter, digit, "-._~" or "/", not a control), no
    empty, "." or ".." segment after the first "/", valid UTF-8 once decoded."""
    raw = request_uri.encode("latin-1").split(b"?", 1)[0]
    if not raw.startswith(b"/") or not _PLAIN.fullmatch(raw):
        return None
    escapes = _ESCAPE.findall(raw)
    if raw.count(b"%") != len(escapes) or any(int(e, 16) in _NOT_CANONICAL for e in escapes):
        return None
    decoded = _unescape(raw)
    segments = decoded.split(b"/")[1:]
    if any(s in (b".", b"..") for s in segments) or b"" in segments[:-1]:
        return None
    try:
        return raw.decode("ascii"), decoded.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _served_path(environ) -> bytes:
    """The path lighttpd gave this backend, as bytes (WSGI carries them in latin-1 strings)."""
    return (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1")


def require_authorized_path(app):
    """Wrap the WSGI application of a protected backend (auth = "required" or "optional"): a
    request is served only if the authorizer passed the path it decided on and that is the path
    this backend is given. Anything else (a path the two disagreed on, a request that never went
    through the authorizer) is a 403. Raw WSGI applications get the same guard as the framework's."""
    def guarded(environ, start_response):
        authorized = environ.get(AUTHZ_PATH)
        if authorized is None or _unescape(authorized.encode("latin-1")) != _served_path(environ):
            start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"forbidden: this path was not the one authorized\n"]
        return app(environ, start_response)
    guarded.__wrapped__ = app
    return guarded


def _unescape(raw: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
