"""Records beside the cases: the audit trail, the e-mail outbox and incidents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import text
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
    __table_args__ = (
        # The delivery pass's claim reads pending messages only (engine.services.delivery).
        Index(
            "ix_outbox_pending",
            "next_attempt_at",
            "id",
            postgresql_where=text("sent_at IS NULL AND dead_at IS NULL"),
            sqlite_where=text("sent_at IS NULL AND dead_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # Delivery (engine.services.delivery): not before `next_attempt_at`; a worker's claim
    # holds until `lease_until`, after which another worker may take the message over.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A dead letter: every attempt failed; only an operator's resend queues it again.
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Incident(Base):
    """Something the machinery could not do on its own: a timer, script or delivery failed.

    Open while `resolved_at` is null; a retry by a person (audited) or a later success
    resolves it.
    """

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    element: Mapped[str] = mapped_column(String(300))
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("timers.id"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    rule: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurrences: Mapped[int] = mapped_column(default=1)
    retries_left: Mapped[int | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(32))
