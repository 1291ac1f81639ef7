"""Racks and the devices in them: unique names, a unique (rack, position) pair, a foreign key."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Rack(Base):
    __tablename__ = "racks"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    slots: Mapped[int] = mapped_column(default=42, info={"min": 1, "max": 60})
    note: Mapped[str | None] = mapped_column(Text)


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("rack_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30), unique=True)
    rack_id: Mapped[int | None] = mapped_column(ForeignKey("racks.id"))
    position: Mapped[int | None] = mapped_column()
    created: Mapped[datetime] = mapped_column(DateTime, default=datetime(2024, 5, 1, 12, 30))


class Port(Base):
    __tablename__ = "ports"
    device: Mapped[str] = mapped_column(String(30), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
