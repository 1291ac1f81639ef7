"""Work that must wait for a commit: `after_commit(session, fn)`, and the data changes published
as events once they are committed: `TABLE.insert`, `TABLE.update` and `TABLE.delete`, each
carrying {"key": {column: value}} of the row (docs/events.md, docs/data.md).

Only committed work happens: it is kept with the transaction that asked for it, dropped when that
transaction (a request's, or a proxy call's savepoint) rolls back, and run after the outermost
commit. A change event names the row, not its contents: a page that shows the table fetches what
it may read through the database JSON API, whose permissions and hidden columns apply (a password
hash never travels in an event).
"""
from sqlalchemy import event, inspect

from ..config import topics

_PENDING = "pwww_after_commit"      # session.info key: [(transaction, fn), ...]


def _current(session):
    """The transaction work asked for now belongs to (one is begun if none is yet)."""
    return session.get_nested_transaction() or session.get_transaction() or session.begin()


def after_commit(session, fn) -> None:
    """Call fn() once the session's outermost transaction commits; never if what asked for it
    is rolled back (the request's transaction, or the savepoint it ran in)."""
    _watch(session)
    session.info.setdefault(_PENDING, []).append((_current(session), fn))


def _forget(session, rolled_back) -> None:
    """A rollback (of a savepoint too) takes what its transaction and those inside it asked for."""
    def inside(transaction):
        while transaction is not None:
            if transaction is rolled_back:
                return True
            transaction = transaction.parent
        return False
    session.info[_PENDING] = [item for item in session.info.get(_PENDING, ()) if not inside(item[0])]


def _run(session) -> None:
    if session.in_nested_transaction():         # a savepoint released: not committed yet
        return
    for _, fn in session.info.pop(_PENDING, ()):
        fn()


def _watch(target) -> None:
    """Listen for rollbacks and commits on a session class or session (once)."""
    if not event.contains(target, "after_commit", _run):
        event.listen(target, "after_soft_rollback", _forget)
        event.listen(target, "after_commit", _run)


def publish_changes(database, publish, patterns) -> None:
    """Publish the committed changes of `database`'s sessions with publish(topic, value), for
    the tables whose topics `patterns` (the backend's `publish` list) cover."""
    def wanted(topic: str) -> bool:
        return any(topics.covers(pattern, topic) for pattern in patterns)

    def collect(session, _flush_context):
        for objects, what in ((session.new, "insert"), (session.dirty, "update"),
                              (session.deleted, "delete")):
            for obj in objects:
                if what == "update" and not session.is_modified(obj):
                    continue
                mapper = inspect(obj).mapper
                topic = f"{mapper.local_table.name}.{what}"
                if wanted(topic):
                    key = {c.name: getattr(obj, mapper.get_property_by_column(c).key)
                           for c in mapper.primary_key}
                    after_commit(session, lambda topic=topic, key=key: publish(topic, {"key": key}))

    event.listen(database.sessions, "after_flush", collect)
