"""The db backend's answers: JSON for scripts and, later, for the pages' live parts."""
import os
import pwd
import time


def status(request):
    load1, load5, load15 = os.getloadavg()
    return {"backend": "db", "user": pwd.getpwuid(os.getuid()).pw_name, "pid": os.getpid(),
            "time": time.time(), "load": [load1, load5, load15],
            "home": request.get_url("home")}


def row(request, table: str, row: int):
    return {"table": table, "row": row, "back": request.get_url("status")}
