"""Handlers that use request.db directly: what the session hook commits and rolls back."""
import os

from sqlalchemy import func, select

from pycopia_www.web.errors import BadRequest

from hostsdb.models import Group, Host


def hosts(request):
    if request.method == "POST":
        host = Host(name=request.json["name"])
        request.db.add(host)
        request.db.flush()
        return {"id": host.id}
    return {"hosts": list(request.db.scalars(select(Host.name).order_by(Host.name)))}


def fail(request):
    """Writes, then raises: nothing may be stored."""
    request.db.add(Group(name=request.query.get("name", "fail")))
    request.db.flush()
    raise RuntimeError("after writing")


def refuse(request):
    """Writes, then answers 400: nothing may be stored."""
    request.db.add(Group(name=request.query.get("name", "refuse")))
    request.db.flush()
    raise BadRequest("refused after writing")


def duplicate_flush(request):
    """A unique name twice, flushed inside the handler: 409."""
    request.db.add_all([Group(name="twice"), Group(name="twice")])
    request.db.flush()
    return "not reached"


def duplicate_commit(request):
    """The same, but only the final commit flushes: 409 too."""
    request.db.add(Group(name=request.query.get("name", "dup")))
    return "accepted"


def count(request):
    return {"groups": request.db.scalar(select(func.count()).select_from(Group)), "pid": os.getpid()}
