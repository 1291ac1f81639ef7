"""The bench page's data (shared by ours and the Flask peer; Django maps the same tables): 100
hosts in 5 groups, in one SQLite file made by fill()."""
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

HOSTS, GROUPS = 100, 5
NAV = [("home", "Home"), ("hosts", "Hosts"), ("groups", "Groups"), ("settings", "Settings"),
       ("about", "About")]


class Base(DeclarativeBase):
    pass


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Host(Base):
    __tablename__ = "hosts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    address: Mapped[str] = mapped_column(String(45))
    enabled: Mapped[bool]
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    created: Mapped[datetime] = mapped_column(DateTime)
    group: Mapped[Group] = relationship()


def fill(path: str) -> None:
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    start = datetime(2026, 1, 1, 8, 0)
    with Session(engine) as s:
        groups = [Group(name=f"group <{g}> & co") for g in range(GROUPS)]
        s.add_all(groups)
        s.add_all(Host(name=f"host-{i:03d}", address=f"10.0.{i // 250}.{i % 250 + 1}",
                       enabled=i % 3 != 0, group=groups[i % GROUPS],
                       created=start + timedelta(hours=i)) for i in range(HOSTS))
        s.commit()
    engine.dispose()
