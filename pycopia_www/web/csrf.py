"""CSRF protection for form posts (see docs/auth.md).

What a foreign page can make a browser send without a CORS preflight is a GET, HEAD or a POST
with a form-like body (urlencoded, multipart, text/plain). So every POST must carry a token in its
`csrf_token` field (or an `X-CSRF-Token` header), unless its body is JSON or it carries
`X-Requested-With: pycopia-www` (the proxy's rule; a browser will not send either cross-site
without a preflight, which is never approved). Other methods need a preflight anyway.

The token is
  - with a session: PWWW_CSRF, which the authorizer derives from the session (an HMAC of the
    session id under the auth backend's secret) and passes beside REMOTE_USER;
  - without one (public pages, the login form): a random value in a cookie that the form repeats
    (double submit). Another site can neither read the cookie nor set it for this host
    (`__Host-` prefix over HTTPS).

Pages built with the markup builder get the token in every POST form without a call (the app
gives markup a provider, `provider(request)`, naming this module's field and the token).

A handler that guards itself (a JSON proxy checks its own transport rules) is marked
`@csrf_exempt` (or has `csrf_exempt = True`); a route can say `csrf=False`.
"""
import re
import secrets
from hmac import compare_digest

from ..rpcwire import PROXY_HEADER, PROXY_HEADER_VALUE
from .errors import Forbidden
from .identity import csrf_from_environ

FIELD = "csrf_token"                    # the form field that carries the token
COOKIE = "pwww_csrf"
SECURE_COOKIE = "__Host-pwww_csrf"      # over HTTPS: Secure, Path=/, no Domain
_NEW = "pycopia_www.csrf.new"          # environ key: a token made for this response's cookie
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def cookie_name(request) -> str:
    return SECURE_COOKIE if request.scheme == "https" else COOKIE


def _cookie_token(request) -> str | None:
    value = request.cookies.get(cookie_name(request))
    return value if value and _TOKEN.match(value) else None


def token_for(request) -> str:
    """The token this request's forms must send back; makes (and later sets) a cookie if needed."""
    token = csrf_from_environ(request.environ) or _cookie_token(request)
    if token is None:
        token = request.environ.setdefault(_NEW, secrets.token_urlsafe(32))
    return token


def provider(request):
    """For markup's page context: () -> (field, token) of this request's POST forms."""
    return lambda: (FIELD, token_for(request))


def csrf_exempt(handler):
    """Mark a handler that checks where its requests come from itself: the form-CSRF check
    stands aside (and a refused request gets the handler's own answer)."""
    handler.csrf_exempt = True
    return handler


def has_proxy_header(request) -> bool:
    return request.headers.get(PROXY_HEADER) == PROXY_HEADER_VALUE


def exempt(request) -> bool:
    if request.method != "POST":
        return True
    kind = request.content_type
    if kind == "application/json" or kind.endswith("+json"):
        return True
    return has_proxy_header(request)


def verify(request) -> None:
    """Raise Forbidden unless this POST carries the right token (or needs none)."""
    if exempt(request):
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get(FIELD)
    wanted = csrf_from_environ(request.environ) or _cookie_token(request)
    if not sent or not wanted or not compare_digest(sent.encode(), wanted.encode()):
        raise Forbidden("This form has expired or did not come from this site: reload the page "
                        "and submit it again.")


def set_cookie(request, response) -> None:
    """Send the double-submit cookie if this request made a token for one."""
    token = request.environ.get(_NEW)
    if token is not None:
        https = request.scheme == "https"
        response.set_cookie(cookie_name(request), token, path="/", secure=https, httponly=True,
                            samesite="Lax")
