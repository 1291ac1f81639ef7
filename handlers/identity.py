"""A tiny WSGI application that says which backend answered, as which user.

The demo backends serve it until the web layer's route tables replace them; the farm's integration
tests use its JSON to see that routing and privilege separation hold.
"""
import json
import os
import pwd


def identity_app(backend: str):
    def application(environ, start_response):
        uid = os.getuid()
        body = json.dumps({
            "backend": backend,
            "ident": os.environ.get("PYCOPIA_WWW_BACKEND"),
            "user": pwd.getpwuid(uid).pw_name,
            "uid": uid,
            "gid": os.getgid(),
            "pid": os.getpid(),
            "host": environ.get("HTTP_HOST"),
            "script_name": environ.get("SCRIPT_NAME"),
            "path_info": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING"),
        }).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    return application
