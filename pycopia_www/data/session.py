"""`request.db`: one SQLAlchemy session per request, for every backend that declares a database.

build_app puts this hook outermost in the backend's middleware, so the transaction covers the
whole request: the session is made before anything else runs (making one does not connect),
committed after the handler answered normally, rolled back when the answer is an error (status
>= 400, an exception included), and closed either way. Integrity errors (a unique or foreign key
constraint) answer 409 Conflict, whether the handler's flush or the final commit raised them.
"""
from sqlalchemy.exc import IntegrityError

from ..web.errors import Conflict, register_translator
from .engine import Database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class DatabaseSession:
    def __init__(self, database: Database):
        self.database = database

    def before(self, request) -> None:
        request.db = self.database.session(write=request.method not in SAFE_METHODS)

    def after(self, request, response) -> None:
        db = request.db
        try:
            if response.status >= 400:
                db.rollback()
            else:
                db.commit()
        except IntegrityError as exc:
            db.rollback()
            raise conflict(exc) from None
        finally:
            db.close()


def conflict_reason(exc: IntegrityError) -> str:
    """What the database said, in one line: for a 409, a form error or a JSON-RPC error."""
    said = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"conflicts with what is stored: {said[0] if said else 'an integrity constraint'}"


def conflict(exc: IntegrityError) -> Conflict:
    return Conflict(f"The change {conflict_reason(exc)}.")


def _translate(exc: BaseException):
    return conflict(exc) if isinstance(exc, IntegrityError) else None


register_translator(_translate)


def database_hook(backend) -> DatabaseSession:
    """The request.db hook for a backend that declares a database (build_app calls this). A
    backend allowed to publish (`publish = ["hosts.*"]`) publishes its committed changes."""
    database = Database(backend.database)
    if backend.publish:
        from ..events import publish
        from .changes import publish_changes
        publish_changes(database, publish, backend.publish)
    return DatabaseSession(database)
