"""An application that passes `websitectl check` but dies whenever the farm starts it (as if a
resource it needs were missing at run time): the supervisor must give up on it, loudly."""
import os

if os.environ.get("PYCOPIA_WWW_BACKEND"):
    raise RuntimeError("this application is broken on purpose")


def application(environ, start_response):
    start_response("200 OK", [])
    return [b""]
