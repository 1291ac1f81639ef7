from pycopia_www.urls import route

V = "hostsdb.views."
routes = [
    route(r"^/api$", "hostsdb.api.api"),
    route(r"^/plain$", "hostsdb.api.plain"),
    route(r"^/hosts$", V + "hosts"),
    route(r"^/fail$", V + "fail"),
    route(r"^/refuse$", V + "refuse"),
    route(r"^/duplicate-flush$", V + "duplicate_flush"),
    route(r"^/duplicate-commit$", V + "duplicate_commit"),
    route(r"^/count$", V + "count"),
]
