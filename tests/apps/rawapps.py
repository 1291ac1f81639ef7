"""Plain WSGI applications (no framework) behind the authorizer, for tests/integration/test_authz_paths.py:
each records every request it is given, so a refused request can be shown never to reach it."""
import json

from pycopia_www.web.routed_path import require_authorized_path


def _served(name):
    def app(environ, start_response):
        seen = {"app": name, "path": environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
                "user": environ.get("REMOTE_USER"), "authorized": environ.get("PWWW_AUTHZ_PATH")}
        with open("hits.log", "a") as f:         # in the backend's state directory
            f.write(json.dumps(seen) + "\n")
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(seen).encode()]
    return app


public = _served("public")
admin = _served("admin")                        # trusts whatever lighttpd passes it
guarded = require_authorized_path(_served("guarded"))
