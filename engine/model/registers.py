"""Registers operators keep beside the directory: admin rosters (R8) and dated
organisation settings (R14, R20, R22 under S6)."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import Date
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from engine.model.base import Base
from engine.model.base import UTCDateTime
from engine.model.organisation import CardStation
from engine.model.organisation import Organisation
from engine.model.people import Person


class AdminRoster(Base):
    """An ID administrator on duty at a card station from `starts_at` to `ends_at` (R8)."""

    __tablename__ = "admin_rosters"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("card_stations.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    station: Mapped[CardStation] = relationship()


# R8 planning reads the shifts that end after its start (rosters grow into the past, so
# this reads the window and the future, never the history); the staffing report and the
# roster page read one station's; a person's own are read to refuse an overlap.
Index("ix_admin_rosters_ends", AdminRoster.ends_at)
Index("ix_admin_rosters_station_ends", AdminRoster.station_id, AdminRoster.ends_at)
Index("ix_admin_rosters_person_ends", AdminRoster.person_id, AdminRoster.ends_at)


class OrganisationSetting(Base):
    """One dated value of an organisation setting (S6: in force from `effective_from`).

    `setting` is the Organisation column it dates: `accepts_loa2_after_national_end`
    (R14), `allows_forgotten_card` (R20) or `photo_reuse_for_door_access` (R22).
    """

    __tablename__ = "organisation_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    setting: Mapped[str] = mapped_column(String(64))
    value: Mapped[bool]
    effective_from: Mapped[date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()


Index(
    "ix_organisation_settings_lookup",
    OrganisationSetting.organisation_id,
    OrganisationSetting.setting,
    OrganisationSetting.effective_from,
)
