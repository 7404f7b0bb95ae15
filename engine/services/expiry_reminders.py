"""R18: the holder is warned 30 days before a certificate expires.

The SITHS client warns 30 days before expiry (R18); sithsflow sends the same warning by
e-mail through the outbox, once per certificate, when the card's newest certificate
enters its last 30 days. The worker's timer sweep and `sithsflow timers run` send what is
due at the clock's time, so a simulated clock sends them too.

R18 and R15 (the 14-day LoA2 loop): a certificate whose whole life lies within 30 days of
its end (every LoA2 certificate under R11) gets no R18 mail: the warning would come at its
issue or renewal. Its renewal loop warns instead: the remote or LoA2 administrators get
the renewal reminder of the renewal-reminder table before expiry, and the holder is
mailed at each renewal (R15). A renewed certificate is not warned about: the card's newer
certificate is, when its own last 30 days begin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased
from sqlalchemy.orm import joinedload

from engine.clock import Clock
from engine.model import Certificate
from engine.model import OutboxMessage
from engine.model import ReserveCard
from engine.model.cards import CARD_ISSUED
from engine.policy.timekeeping import add_local_days
from engine.policy.timekeeping import format_local
from engine.services.audit import SYSTEM_ACTOR
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.runtime import Runtime

R18_LEAD_DAYS = 30

SUBJECT = (
    "Ditt reservkortscertifikat går ut {valid_until} / "
    "Your reserve-card certificate expires {valid_until}"
)
BODY = (
    "Hej {holder_name},\n\nCertifikatet på ditt reservkort {card_number} (LoA{loa}) går ut "
    "{valid_until}, om högst 30 dagar (R18). Behöver du kortet efter det, be din "
    "ID-administratör eller TjänsteID om en förlängning.\n\n"
    "The certificate on your reserve card {card_number} (LoA{loa}) expires {valid_until}, in "
    "30 days or less (R18). If you need the card after that, ask your ID administrator or "
    "the service desk for a renewal."
)


@dataclass(frozen=True)
class ExpiryReminder:
    """One R18 mail queued: the card, its holder's address and the certificate's end."""

    card_number: str
    to: str
    valid_until: datetime
    case_id: int | None


def send_expiry_reminders(runtime: Runtime, clock: Clock) -> list[ExpiryReminder]:
    """Queue the R18 mail of every card whose newest certificate expires within 30 days."""
    now = clock.now()
    horizon = add_local_days(now, R18_LEAD_DAYS)
    sent: list[ExpiryReminder] = []
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        newer = aliased(Certificate)
        due = (
            select(Certificate)
            .join(ReserveCard, ReserveCard.number == Certificate.card_number)
            .where(
                ReserveCard.state == CARD_ISSUED,
                Certificate.expiry_reminded_at.is_(None),
                Certificate.valid_until > now,
                Certificate.valid_until <= horizon,
                ~exists().where(
                    and_(
                        newer.card_number == Certificate.card_number,
                        newer.valid_until > Certificate.valid_until,
                    )
                ),
            )
            .options(joinedload(Certificate.holder))
            .order_by(Certificate.valid_until, Certificate.id)
            .with_for_update(skip_locked=True, of=Certificate)
        )
        for certificate in session.scalars(due).unique():
            if add_local_days(certificate.valid_until, -R18_LEAD_DAYS) < certificate.valid_from:
                continue  # its whole life is within 30 days: the renewal loop warns (R15)
            sent.append(_queue(uow.session, clock, certificate, now))
        uow.commit()
    return sent


def _queue(
    session: Session, clock: Clock, certificate: Certificate, now: datetime
) -> ExpiryReminder:
    holder = certificate.holder
    address = holder.email or f"{holder.username or holder.identity_number}@invalid"
    values = {
        "holder_name": holder.display_name,
        "card_number": certificate.card_number,
        "loa": certificate.loa,
        "valid_until": format_local(certificate.valid_until),
    }
    session.add(
        OutboxMessage(
            to_address=address,
            subject=SUBJECT.format(**values),
            body=BODY.format(**values),
            case_id=certificate.case_id,
            created_at=now,
        )
    )
    certificate.expiry_reminded_at = now
    audit = AuditContext(
        actor=SYSTEM_ACTOR,
        role="system",
        case_id=certificate.case_id,
        holder=holder.label,
        card_number=certificate.card_number,
    )
    record(
        session,
        clock,
        audit,
        "expiry_reminder",
        rule="R18",
        message=f"Påminnelse 30 dagar före utgång till {address} / Reminder 30 days before "
        f"expiry to {address}",
        details={"valid_until": certificate.valid_until.isoformat()},
    )
    return ExpiryReminder(
        certificate.card_number, address, certificate.valid_until, certificate.case_id
    )
