"""Process-wide defaults, set once at start-up by the web layer (or by tests).

Each can be overridden per document: Document(debug=..., csrf_token=..., url_resolver=...).
"""
CSRF_FIELD = "csrf_token"  # name of the hidden field that carries the token

_debug = False
_csrf_provider = None


def set_debug(flag):
    """Check every element and attribute against the document type while building (slower;
    for development and tests). Documents made afterwards pick this up."""
    global _debug
    _debug = bool(flag)


def get_debug():
    return _debug


def set_csrf_provider(provider):
    """Install provider() -> token string (or None for no token) for POST forms of documents
    that were not given csrf_token=. The web layer installs one that reads the current
    session; None removes it."""
    global _csrf_provider
    _csrf_provider = provider


def get_csrf_provider():
    return _csrf_provider
