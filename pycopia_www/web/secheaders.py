"""The browser-side hardening every response of the framework carries unless its handler set
the header itself (security review L2).

Pages here load scripts and styles from files only (the markup builder keeps inline scripts
greppable and the demo uses none), so the policy can forbid inline script; framing is limited to
the site itself (no clickjacking of /sys or the login form). A response to a logged-in user is
not stored by caches or the browser's history (`/sys/me` shows command output).
"""
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
DEFAULTS = (
    ("Content-Security-Policy", POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),          # for browsers without frame-ancestors
    ("Referrer-Policy", "same-origin"),
)


def apply(request, response) -> None:
    headers = response.headers
    for name, value in DEFAULTS:
        headers.setdefault(name, value)
    if request.user is not None:
        headers.setdefault("Cache-Control", "no-store")
