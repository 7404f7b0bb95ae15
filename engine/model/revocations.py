"""The revocation register (R19): one row per card revoked, kept 10 years like issuance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from engine.model.base import Base
from engine.model.base import UTCDateTime
from engine.model.organisation import Organisation
from engine.model.people import Person

# R19: why a card is revoked (CONTRACT.md `card revoke --reason`).
REVOCATION_REASONS = ("lost", "stolen", "damaged", "name_change", "employment_end")
# R19: outside office hours a lost card is revoked by the national support line, and the
# service desk records it afterwards.
VIA_SERVICE_DESK = "service_desk"
VIA_NATIONAL_SUPPORT_LINE = "national_support_line"
# R19: revoked by the employment-end process at the end date, with no one acting.
VIA_EMPLOYMENT_END = "employment_end"
# The BPMN service operation that revokes a holder's cards at an employment's end (R19).
REVOKE_EMPLOYMENT_CARDS = "revoke_employment_cards"
# R16: an ordinary card not activated within 100 days of mailing is revoked by the process.
VIA_R16_LAPSE = "not_activated_100_days"
NOT_ACTIVATED = "not_activated"
REVOKE_UNACTIVATED_CARD = "revoke_unactivated_card"
# R19: add-on services that end with the card.
DOOR_ACCESS = "door_access"


class CardRevocation(Base):
    """A card revoked: why, by whom, through which channel, and what ends with it (R19)."""

    __tablename__ = "card_revocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(
        ForeignKey("reserve_cards.number"), index=True, unique=True
    )
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    reason: Mapped[str] = mapped_column(String(32))
    via: Mapped[str] = mapped_column(String(32))
    # The register is read by period (reports), sorted by this.
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(64))
    loa: Mapped[int | None]
    # R19: add-on services flagged to end (space-separated, e.g. "door_access").
    add_ons_to_end: Mapped[str] = mapped_column(String(200), default=DOOR_ACCESS)
    # The cases that ended with the card (space-separated ids), and the employment-end case
    # that revoked it, if any.
    ended_cases: Mapped[str] = mapped_column(String(500), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    holder: Mapped[Person | None] = relationship(foreign_keys=[holder_id])
    revoked_by: Mapped[Person] = relationship(foreign_keys=[revoked_by_id])
    organisation: Mapped[Organisation] = relationship()
