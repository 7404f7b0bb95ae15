"""Append-only records: the audit trail and the e-mail outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from engine.model.base import Base
from engine.model.base import UTCDateTime


class AuditEvent(Base):
    """Who did what, when, under which versions; never updated or deleted.

    `chain_seq` and `chain_hash` place the row in the audit hash chain
    (engine.services.audit_chain); they are filled once, when its transaction commits.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at_utc: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    at_local: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    task_name: Mapped[str | None] = mapped_column(String(100))
    card_number: Mapped[str | None] = mapped_column(String(32), index=True)
    holder: Mapped[str | None] = mapped_column(String(64), index=True)
    rule: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")
    process_version: Mapped[str | None] = mapped_column(String(120))
    policy_version: Mapped[str] = mapped_column(String(300), default="")
    calendar_version: Mapped[str] = mapped_column(String(120), default="")
    clock_source: Mapped[str] = mapped_column(String(16))
    dispensation: Mapped[str | None] = mapped_column(String(120))
    details_json: Mapped[str] = mapped_column(Text, default="{}")
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True, index=True)
    chain_hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """The last position of the audit hash chain and its hash: one row, locked by each
    transaction that chains audit rows (engine.services.audit_chain)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """An e-mail queued in the same transaction as the step that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
