"""Committed data changes become events (pycopia_www/data/changes.py), on SQLite and PostgreSQL:
only what was committed, never what a rollback or a failed savepoint undid, and a row's key only."""
from sqlalchemy import String, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from pycopia_www.data.changes import publish_changes


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(40))
    secret: Mapped[str] = mapped_column(String(40), default="never in an event")


class Other(Base):
    __tablename__ = "other"
    id: Mapped[int] = mapped_column(primary_key=True)


class _Database:
    def __init__(self, url, password):
        url = make_url(url)
        self.engine = create_engine(url.set(password=password) if password else url)
        Base.metadata.create_all(self.engine)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)


def watched(database):
    db, sent = _Database(*database), []
    publish_changes(db, lambda topic, value: sent.append((topic, value)), ["notes.*"])
    return db, sent


def test_only_committed_changes_are_published_after_the_commit(database):
    db, sent = watched(database)
    with db.sessions() as s:
        s.add_all([Note(text="kept"), Other()])
        s.flush()
        assert sent == []                               # flushed is not committed
        s.commit()
    assert sent == [("notes.insert", {"key": {"id": 1}})]     # other.* is not this backend's
    with db.sessions() as s:
        s.add(Note(text="undone"))
        s.flush()
        s.rollback()
    assert len(sent) == 1
    with db.sessions() as s:
        s.get(Note, 1).text = "changed"
        s.commit()
        s.delete(s.get(Note, 1))
        s.commit()
    assert sent[1:] == [("notes.update", {"key": {"id": 1}}), ("notes.delete", {"key": {"id": 1}})]
    assert "never in an event" not in repr(sent)


def test_a_failed_savepoint_takes_its_changes_along_and_a_released_one_waits(database):
    db, sent = watched(database)
    with db.sessions() as s:
        try:
            with s.begin_nested():                      # a proxy call of a batch that fails
                s.add(Note(text="failed call"))
                s.flush()
                raise ValueError
        except ValueError:
            pass
        with s.begin_nested():                          # one that works
            s.add(Note(text="good call"))
            s.flush()
        assert sent == []                               # released, not yet committed
        s.commit()
    assert [topic for topic, _ in sent] == ["notes.insert"]
    with db.sessions() as s:
        assert [n.text for n in s.query(Note)] == ["good call"]


def test_after_commit_runs_once_committed_and_never_after_a_rollback(database):
    from pycopia_www.data.changes import after_commit
    db, ran = _Database(*database), []
    with db.sessions() as s:
        s.add(Note(text="x"))
        after_commit(s, lambda: ran.append("kept"))
        try:
            with s.begin_nested():
                after_commit(s, lambda: ran.append("failed savepoint"))
                raise ValueError
        except ValueError:
            pass
        assert ran == []
        s.commit()
        assert ran == ["kept"]
        after_commit(s, lambda: ran.append("rolled back"))
        s.rollback()
        s.commit()
    assert ran == ["kept"]
