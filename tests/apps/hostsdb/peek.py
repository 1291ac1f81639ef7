"""A WSGI application run by another backend's user: tries to open the file named in the query
(another backend's database) and says whether it could."""


def application(environ, start_response):
    try:
        with open(environ.get("QUERY_STRING", ""), "rb") as f:
            f.read(16)
        result = b"readable"
    except PermissionError:
        result = b"denied"
    except OSError as exc:
        result = type(exc).__name__.encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [result]
