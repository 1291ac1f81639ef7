"""The db backend's schema: plain SQLAlchemy declarative models. Migrations (Alembic) live in
migrations/; `websitectl db appliance.db revision --autogenerate -m ...` writes the next one."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def utcnow() -> datetime:
    """Naive UTC: what a DateTime column without a time zone holds (docs/data.md)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    hosts: Mapped[list["Host"]] = relationship(back_populates="group")


class Host(Base):
    __tablename__ = "hosts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    address: Mapped[str | None] = mapped_column(String(45), info={"help": "IPv4 or IPv6"})
    mac: Mapped[str | None] = mapped_column(String(17), info={"label": "MAC address"})
    enabled: Mapped[bool] = mapped_column(default=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    group: Mapped[Group | None] = relationship(back_populates="hosts")


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
