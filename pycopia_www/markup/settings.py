"""Process-wide defaults, set once at start-up (or by tests); each can be overridden per
document: Document(debug=..., csrf_field=...). What changes per request (the URL resolver, the
CSRF token) is in context.py.
"""
# The hidden field of a document given csrf_token= directly; pages the web layer serves use the
# field its CSRF provider names (pycopia_www.web.csrf.FIELD).
CSRF_FIELD = "csrf_token"

_debug = False


def set_debug(flag):
    """Check every element and attribute against the document type while building (slower;
    for development and tests). Documents made afterwards pick this up."""
    global _debug
    _debug = bool(flag)


def get_debug():
    return _debug
