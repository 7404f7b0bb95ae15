"""People in the staff directory, their employments and administrator rights (R3, R5)."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import Date
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import func
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from engine.model.base import Base
from engine.model.base import UTCDateTime
from engine.model.organisation import CardStation
from engine.model.organisation import Organisation


class Person(Base):
    """Someone in the staff directory (HSA): a card user, an administrator, or both."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Normalised 'YYYYMMDD-NNNN'; a samordningsnummer has day + 60.
    identity_number: Mapped[str | None] = mapped_column(String(13), unique=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    # Web login lockout after repeated failures.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    employments: Mapped[list[Employment]] = relationship(back_populates="person", lazy="selectin")
    rights: Mapped[list[AdminRight]] = relationship(back_populates="person", lazy="selectin")

    @property
    def label(self) -> str:
        return self.username or self.identity_number or f"person-{self.id}"


# Person search (engine.services.lookup, migration 0005): the keyset order of its pages,
# and on PostgreSQL a trigram index so that a name's substring is found without a scan.
Index("ix_people_display_name_id", Person.display_name, Person.id)
Index(
    "ix_people_display_name_trgm",
    func.lower(Person.display_name).label("lower_display_name"),
    postgresql_using="gin",
    postgresql_ops={"lower_display_name": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")


class Employment(Base):
    """An employment in an organisation, as the directory records it (R3)."""

    __tablename__ = "employments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    title: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="employments")
    organisation: Mapped[Organisation] = relationship()

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class AdminRight(Base):
    """One right of a person, with the training and approval dates R5 asks for."""

    __tablename__ = "admin_rights"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    right: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("card_stations.id"))
    trained_on: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="rights")
    organisation: Mapped[Organisation] = relationship()
    station: Mapped[CardStation | None] = relationship()


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None for tokens issued before migration 0010_access: they expire a default term after
    # `created_at` (engine.services.tokens).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class WebSession(Base):
    """A signed-in browser: the SHA-256 of its random session id, tied to the person's id
    (a re-created user name inherits nothing). Deleting the row signs the browser out."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
