"""The test inventory's schema: declarative models, plus a Core table with no mapped class."""
import enum
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import (Column, DateTime, ForeignKey, Integer, Numeric, String, Table, Text,
                        Enum as SQLEnum)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Kind(enum.Enum):
    server = "server"
    switch = "switch"
    printer = "printer"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Host(Base):
    __tablename__ = "hosts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    address: Mapped[str | None] = mapped_column(String(45))
    enabled: Mapped[bool] = mapped_column(default=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    kind: Mapped[Kind] = mapped_column(SQLEnum(Kind), default=Kind.server)
    cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    serial: Mapped[uuid.UUID | None]
    bought: Mapped[date | None]
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    secret: Mapped[str] = mapped_column(String(64), default="hunter2")    # hidden by the API


# Core only: no class, written through insert/update/delete statements.
events = Table("events", Base.metadata,
               Column("id", Integer, primary_key=True),
               Column("host_id", ForeignKey("hosts.id"), nullable=False),
               Column("message", Text, nullable=False),
               Column("at", DateTime(timezone=True)))

# Never visible through the API.
audit = Table("audit", Base.metadata,
              Column("id", Integer, primary_key=True),
              Column("what", Text))
