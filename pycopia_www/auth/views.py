"""The login and logout pages."""
import logging
import math

from ..ui.layout import page
from ..web.response import Redirect, Response
from . import throttle
from .authorizer import service, session_cookie_name
from .store import UserError, check_name

log = logging.getLogger("pycopia_www.auth")


def safe_next(value: str | None) -> str:
    """Only a path on this site: never another host (//evil, /\\evil, https://...)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or \
            any(c in value for c in "\r\n\\"):
        return "/"
    return value


def login_page(request, *, error=None, status=200, name="", headers=()):
    login = page(request, "Log in")
    content = login.content
    if request.user is not None:
        content.add_paragraph(f"You are logged in as {request.user.name}. Logging in again "
                              "replaces that session.")
    form = content.add_form(action=request.get_url("auth-login"), values={"name": name},
                            errors={None: error} if error else None, id="login-form")
    fs = form.add_fieldset("Account")
    fs.add_textinput("name", "User name", autocomplete="username", required=True)
    fs.add_password("password", "Password", autocomplete="current-password", required=True)
    form.add_hidden("next", safe_next(request.query.get("next") or request.form.get("next")))
    form.add_submit("Log in")
    body, content_type = login.render(request.headers.get("Accept"))
    return Response(body, status, [("Vary", "Accept"), *headers], content_type)


class Login:
    def get(self, request):
        return login_page(request)

    def post(self, request):
        svc = service(request)
        settings, store = svc.settings, svc.store
        name = (request.form.get("name") or "").strip()
        password = request.form.get("password") or ""
        address = request.remote_addr or "unknown"
        try:
            check_name(name)
        except UserError:
            name = name[:64]
        attempt, history = store.begin_attempt(name, address, settings.failure_window)
        pause = throttle.wait(history, settings, store.clock())
        if pause:
            store.forget_attempt(attempt)
            log.warning("login throttled: user %r from %s for %.0f s", name, address, pause)
            seconds = math.ceil(pause)
            when = f"{seconds} second(s)" if seconds < 120 else f"{math.ceil(seconds / 60)} minute(s)"
            return login_page(request, name=name, status=429, headers=[("Retry-After", str(seconds))],
                              error=f"Too many failed logins. Try again in {when}.")
        if not password or not store.check_password(name, password):
            log.info("login failed: user %r from %s", name, address)
            return login_page(request, name=name, status=401, error="Wrong user name or password.")
        store.login_succeeded(attempt, name, address)
        # A new token on every login, and the old one ends: a token planted before the login
        # (session fixation) is worth nothing after it.
        cookie = session_cookie_name(request)
        if old := request.cookies.get(cookie):
            store.end_session(old)
        token, _ = store.create_session(name)
        log.info("login: user %r from %s", name, address)
        response = Redirect(safe_next(request.form.get("next")), 303)
        response.set_cookie(cookie, token, path="/", secure=request.scheme == "https",
                            httponly=True, samesite="Lax", max_age=int(settings.max_age))
        return response


def logout(request):
    """End this session, or with everywhere=1 every session of this user."""
    store = service(request).store
    cookie = session_cookie_name(request)
    if request.user is not None and request.form.get("everywhere"):
        ended = store.end_all_sessions(request.user.name)
        log.info("logout everywhere: user %r, %d session(s)", request.user.name, ended)
    elif token := request.cookies.get(cookie):
        store.end_session(token)
    response = Redirect(request.get_url("auth-login"), 303)
    # Secure as when it was set: a browser ignores an insecure update of a __Host- cookie.
    response.set_cookie(cookie, "", path="/", secure=request.scheme == "https", max_age=0)
    return response
