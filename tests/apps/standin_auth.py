"""A stand-in for the auth backend, as a FastCGI authorizer: it lets a request through as the user
named in its X-Test-User header. Only for tests of what protected backends do with REMOTE_USER;
the real one checks a session cookie (docs/auth.md)."""


def application(environ, start_response):
    user = environ.get("HTTP_X_TEST_USER")
    if not user:
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"login required\n"]
    # lighttpd turns Variable-NAME answer headers into the responder's environment; the path
    # judged is passed as the real authorizer passes it (pycopia_www.web.routed_path).
    path = environ.get("REQUEST_URI", "/").split("?", 1)[0]
    start_response("200 OK", [("Variable-REMOTE_USER", user), ("Variable-PWWW_AUTHZ_PATH", path),
                              ("Content-Length", "0")])
    return []
