"""Reserve cards from stock and the certificates issued on them (R1, R2, R4)."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import Date
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from engine.model.base import Base
from engine.model.base import UTCDateTime
from engine.model.organisation import Organisation
from engine.model.people import Person
from engine.policy.validity import card_end_of_life

CARD_IN_STOCK = "in_stock"
CARD_ISSUED = "issued"
CARD_REVOKED = "revoked"
# R16: an ordinary card mailed to its holder, waiting for activation in person.
CARD_MAILED = "mailed"


class ReserveCard(Base):
    """A blank card from stock; its LoA comes from how it was issued (R1)."""

    __tablename__ = "reserve_cards"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    produced_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default=CARD_IN_STOCK)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    loa: Mapped[int | None]
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version_id: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship()
    holder: Mapped[Person | None] = relationship()
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="card", order_by="Certificate.valid_from"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def end_of_life(self) -> date:
        """R2: the card's last valid day, 10 years from production; no certificate on it
        runs past this day (engine.policy.validity)."""
        return card_end_of_life(self.produced_on)


class Certificate(Base):
    """One validity period on a card: the first issue or a renewal at the same LoA (R4)."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(ForeignKey("reserve_cards.number"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    loa: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # "issue" or "renewal"
    # Reports list issuances and renewals by period, sorted by this.
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    first_admin_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # R14: False for LoA2 running past 2026-06-30 ("inte giltigt för NLL, Pascal, NPÖ").
    valid_for_national_systems: Mapped[bool] = mapped_column(default=True)
    ceiling_rule: Mapped[str] = mapped_column(String(16), default="")
    policy_version: Mapped[str] = mapped_column(String(200), default="")
    # R18: when the holder was e-mailed that this certificate expires within 30 days.
    expiry_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # R19: set when the card is revoked; the certificate ends then, whatever valid_until says.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    card: Mapped[ReserveCard] = relationship(back_populates="certificates")
    holder: Mapped[Person] = relationship(foreign_keys=[holder_id])
    issued_by: Mapped[Person] = relationship(foreign_keys=[issued_by_id])
    first_admin: Mapped[Person | None] = relationship(foreign_keys=[first_admin_id])
