"""WSGI applications the farm tests serve (importable by every backend user)."""
import json
import os
import time


def whoami(environ, start_response):
    body = json.dumps({"ident": os.environ.get("PYCOPIA_WWW_BACKEND"), "uid": os.getuid(),
                       "gid": os.getgid(), "pid": os.getpid(), "ppid": os.getppid(),
                       "script_name": environ.get("SCRIPT_NAME"), "path_info": environ.get("PATH_INFO"),
                       "greeting": os.environ.get("GREETING", ""),
                       "scheme": environ.get("wsgi.url_scheme")}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def slow(environ, start_response):
    time.sleep(float(environ.get("QUERY_STRING") or "1"))
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Pid", str(os.getpid()))])
    return [b"slow done"]


def read_state(environ, start_response):
    """Tries to list another backend's state directory (named in the query): must be refused."""
    target = environ.get("QUERY_STRING", "")
    try:
        os.listdir(target)
        result = "readable"
    except PermissionError:
        result = "denied"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [result.encode()]


_LEAKED = []


def leak(environ, start_response):
    """Keeps QUERY_STRING MiB (default 4) for the life of the worker: memory that only grows."""
    _LEAKED.append(bytearray(int(environ.get("QUERY_STRING") or "4") << 20))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
