"""Who is logged in, as the auth backend (a FastCGI authorizer, see docs/auth.md) tells lighttpd.

lighttpd asks the authorizer before it passes a request to a protected backend; the authorizer's
`Variable-NAME: value` answer headers become environment variables of the responder's request:

  REMOTE_USER   the user name
  PWWW_ROLES    the user's roles, comma-separated
  PWWW_SESSION  a public session id (never the cookie's secret): for logs, per-session data
  PWWW_CSRF     the session's CSRF token, which forms must send back

A client cannot set these: its headers arrive as HTTP_* variables only.

    @requires_role("admin")          # a user with role admin; no user: 401, other user: 403
    @requires_login                  # any logged-in user
"""
from dataclasses import dataclass

__all__ = ["User", "user_from_environ", "csrf_from_environ", "requires_role", "requires_login",
           "required_roles"]


@dataclass(frozen=True)
class User:
    name: str
    roles: frozenset[str]
    session: str                    # public session id, not the cookie secret

    def has_roles(self, roles) -> bool:
        return frozenset(roles) <= self.roles


def user_from_environ(environ: dict) -> User | None:
    name = environ.get("REMOTE_USER")
    if not name:
        return None
    roles = frozenset(r for r in environ.get("PWWW_ROLES", "").split(",") if r)
    return User(name, roles, environ.get("PWWW_SESSION", ""))


def csrf_from_environ(environ: dict) -> str | None:
    """The session's CSRF token, when the authorizer passed one."""
    return environ.get("PWWW_CSRF") or None


def requires_role(*roles: str):
    """Mark a handler or proxy method as needing a logged-in user with all of `roles`.
    The web layer and the proxy server read the mark (`pwww_roles`)."""
    def mark(function):
        function.pwww_roles = frozenset(roles)
        return function
    return mark


def requires_login(function):
    """Mark a handler or proxy method as needing a logged-in user (any roles)."""
    function.pwww_roles = frozenset()
    return function


def required_roles(obj) -> frozenset[str] | None:
    """The mark on obj: None when it needs no login, a (maybe empty) set of roles otherwise."""
    return getattr(obj, "pwww_roles", None)
