"""Plain WSGI applications (no framework) behind the authorizer, for tests/integration/test_authz_paths.py:
each records every request it is given, so a refused request can be shown never to reach it."""
import json


def _served(name):
    def app(environ, start_response):
        seen = {"app": name, "path": environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
                "user": environ.get("REMOTE_USER"), "authorized": environ.get("PWWW_AUTHZ_PATH")}
        with open("hits.log", "a") as f:         # in the backend's state directory
            f.write(json.dumps(seen) + "\n")
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(seen).encode()]
    return app


# No checks of their own: whatever lighttpd passes them, they serve. (A backend with `auth` set
# is wrapped by the farm's loader in routed_path.require_authorized_path.)
public = _served("public")
admin = _served("admin")
guarded = _served("guarded")
