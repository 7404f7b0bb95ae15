"""Organisations and their units, card stations and local closing days."""

from __future__ import annotations

from datetime import date
from datetime import time

from sqlalchemy import Date
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Time
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from engine.model.base import Base


class Organisation(Base):
    """A region, a municipality or a unit within one (parent_id)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # R14: whether this organisation's own systems accept LoA2 after 2026-06-30.
    accepts_loa2_after_national_end: Mapped[bool] = mapped_column(default=False)
    # R15: who issues remote LoA2 orders; "service_desk" unless a hospital has its own.
    loa2_routing: Mapped[str] = mapped_column(String(64), default="service_desk")
    # R22: card photos may be reused for door access only where users were told.
    photo_reuse_for_door_access: Mapped[bool] = mapped_column(default=False)
    # R20: whether the user and two colleagues may issue a temporary reserve card.
    allows_forgotten_card: Mapped[bool] = mapped_column(default=False, server_default="0")

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])

    def lineage(self) -> list[Organisation]:
        """This organisation and every organisation above it, nearest first."""
        chain: list[Organisation] = []
        node: Organisation | None = self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain


class CardStation(Base):
    """A place where ID administrators meet applicants (R8)."""

    __tablename__ = "card_stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))

    organisation: Mapped[Organisation] = relationship()
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="station", order_by="(OpeningHours.weekday, OpeningHours.opens)"
    )


class OpeningHours(Base):
    """One opening interval of a card station on one weekday (0 = Monday)."""

    __tablename__ = "opening_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("card_stations.id"), index=True)
    weekday: Mapped[int]
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    station: Mapped[CardStation] = relationship(back_populates="opening_hours")


class ClosingDay(Base):
    """A local closing day a process owner adds to the Swedish calendar.

    Global when neither `station_id` nor `organisation_id` is set (it then closes the
    service desk's and office hours' calendar, R9/R12); otherwise it closes one card
    station, or every station of one organisation and its units (R8 planning).
    """

    __tablename__ = "closing_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("card_stations.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))

    station: Mapped[CardStation | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
