"""R19: revoke a card and its certificates; add-on services end, open cases on the card end.

Who may revoke (R19, checked here and nowhere else): the service desk, for a card of an
organisation its right covers. Outside office hours a lost card is revoked by the national
support line; the service desk records that afterwards with `via="national_support_line"`,
and the audit and the register keep the channel (and whether it was office hours).

What happens, in one unit of work:
- the card becomes `revoked` and never goes to anyone again (R2: engine.invariants refuses
  any issue or renewal on it);
- every certificate on it still running gets `revoked_at`;
- add-on services (door access) are flagged to end in the revocation register;
- every open case on the card ends: its tasks and timers are cancelled, the case becomes
  `cancelled` and the audit says it ended because the card was revoked (R19), so a LoA2
  renewal loop stops and no reminder or expiry fires.
A refusal changes nothing but the audit trail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import DomainError
from engine.errors import Invalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.identifiers import normal_card_number
from engine.model import Case
from engine.model import Certificate
from engine.model import Person
from engine.model import ReserveCard
from engine.model.cards import CARD_ISSUED
from engine.model.cards import CARD_MAILED
from engine.model.cards import CARD_REVOKED
from engine.model.cases import CASE_CANCELLED
from engine.model.cases import CASE_OPEN
from engine.model.revocations import DOOR_ACCESS
from engine.model.revocations import REVOCATION_REASONS
from engine.model.revocations import VIA_NATIONAL_SUPPORT_LINE
from engine.model.revocations import VIA_SERVICE_DESK
from engine.model.revocations import CardRevocation
from engine.policy.office_hours import is_office_hours
from engine.policy.timekeeping import to_local
from engine.rights import SERVICE_DESK
from engine.rights import has_role
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.audit import record_refusal
from engine.services.directory import find_user
from engine.services.policy import PolicyReader
from engine.services.progress import end_tasks_and_timers
from engine.services.progress import load_runner
from engine.services.progress import store_state
from engine.services.runtime import Runtime

REVOKE_RULE = "R19"
# How the CLI and the web name the channel (CONTRACT.md: `--via national-support-line`).
VIA_WORDS = {"national-support-line": VIA_NATIONAL_SUPPORT_LINE}
# The audit action of a case that ended because its card was revoked.
ENDED_BY_REVOCATION = "ended_by_revocation"


@dataclass(frozen=True)
class RevokedCard:
    """A card as `card revoke` shows it, with what ended alongside it."""

    number: str
    state: str
    reason: str
    via: str
    revoked_at: datetime
    add_ons_to_end: tuple[str, ...]
    ended_cases: tuple[int, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "state": self.state,
            "reason": self.reason,
            "via": self.via,
            "revoked_at": to_local(self.revoked_at).isoformat(timespec="seconds"),
            "add_ons_to_end": list(self.add_ons_to_end),
            "ended_cases": list(self.ended_cases),
        }


def revoke_card(
    runtime: Runtime,
    clock: Clock,
    number: str,
    username: str,
    reason: str,
    via: str | None = None,
) -> RevokedCard:
    """R19: `username` (the service desk) revokes card `number` for `reason`."""
    audit = AuditContext(actor=username, role=SERVICE_DESK)
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            reason = required_reason(reason)
            channel = _channel(via)
            actor = find_user(session, username, employments=False)
            card = _card(session, number)
            audit.card_number = card.number
            audit.holder = card.holder.label if card.holder else None
            _require_service_desk(actor, card, to_local(clock.now()).date())
            office = is_office_hours(clock.now(), PolicyReader(session).calendar)
            revocation = revoke_in_session(
                session,
                clock,
                card,
                actor,
                SERVICE_DESK,
                reason,
                channel,
                details={"in_office_hours": office},
            )
            uow.commit()
            return _shown(revocation)
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "revoke", error)
        raise


def revoke_in_session(
    session: Session,
    clock: Clock,
    card: ReserveCard,
    actor: Person,
    role: str,
    reason: str,
    via: str,
    *,
    case_id: int | None = None,
    details: dict[str, object] | None = None,
    audit_actor: str | None = None,
) -> CardRevocation:
    """Revoke an issued `card` in the caller's unit of work (also the employment-end timer's)."""
    if card.state not in (CARD_ISSUED, CARD_MAILED):
        raise Conflict(
            f"Kortet {card.number} är inte utfärdat (det är {card.state}) och kan inte spärras "
            f"(R19). / Card {card.number} is not issued (it is {card.state}) and cannot be "
            f"revoked (R19).",
            rule=REVOKE_RULE,
        )
    now = clock.now()
    card.state = CARD_REVOKED
    session.execute(
        update(Certificate)
        .where(
            Certificate.card_number == card.number,
            Certificate.revoked_at.is_(None),
            Certificate.valid_until > now,
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    actor_name = audit_actor or actor.username or actor.label
    # The case that revokes (employment end, R16 lapse) ends by its own model, not here.
    ended = end_cases_on_card(session, clock, card, actor_name, reason, except_case=case_id)
    revocation = CardRevocation(
        card_number=card.number,
        holder_id=card.holder_id,
        organisation_id=card.organisation_id,
        reason=reason,
        via=via,
        revoked_at=now,
        revoked_by_id=actor.id,
        role=role,
        loa=card.loa,
        add_ons_to_end=DOOR_ACCESS,
        ended_cases=" ".join(str(case_id) for case_id in ended),
        case_id=case_id,
    )
    session.add(revocation)
    audit = AuditContext(
        actor=actor_name,
        role=role,
        case_id=case_id,
        holder=card.holder.label if card.holder else None,
        card_number=card.number,
    )
    channel_sv = "via nationella supportlinjen" if via == VIA_NATIONAL_SUPPORT_LINE else ""
    channel_en = "via the national support line" if via == VIA_NATIONAL_SUPPORT_LINE else ""
    record(
        session,
        clock,
        audit,
        "revoke",
        rule=REVOKE_RULE,
        message=(
            f"Kortet {card.number} spärrades ({reason}) {channel_sv}; dörråtkomst ska avslutas. / "
            f"Card {card.number} was revoked ({reason}) {channel_en}; door access is to end."
        ).replace(" ;", ";"),
        details={
            "reason": reason,
            "via": via,
            "add_ons_to_end": [DOOR_ACCESS],
            "ended_cases": ended,
            **(details or {}),
        },
    )
    return revocation


def end_cases_on_card(
    session: Session,
    clock: Clock,
    card: ReserveCard,
    actor: str,
    reason: str,
    *,
    except_case: int | None = None,
) -> list[int]:
    """R19: every open case on `card` ends: tasks and timers cancelled, state `cancelled`."""
    if card.holder_id is None:
        return []
    candidates = session.scalars(
        select(Case)
        .where(Case.holder_id == card.holder_id, Case.state == CASE_OPEN)
        .order_by(Case.id)
    ).all()
    ended: list[int] = []
    for case in candidates:
        if case.id == except_case:
            continue
        if json.loads(case.data_json).get("card_number") != card.number:
            continue
        runner = load_runner(case, clock)
        runner.cancel()
        store_state(case, runner)
        end_tasks_and_timers(session, case)
        case.state = CASE_CANCELLED
        case.ended_at = clock.now()
        record(
            session,
            clock,
            AuditContext(
                actor=actor,
                role=SERVICE_DESK,
                case_id=case.id,
                process_version=case.process_version.label,
                holder=case.holder.label if case.holder else None,
                card_number=card.number,
            ),
            ENDED_BY_REVOCATION,
            rule=REVOKE_RULE,
            message=(
                f"Ärendet avslutades: kortet {card.number} spärrades ({reason}). / "
                f"The case ended: card {card.number} was revoked ({reason})."
            ),
            details={"reason": reason, "card_number": card.number},
        )
        ended.append(case.id)
    return ended


def required_reason(reason: str) -> str:
    """R19: one of the reasons CONTRACT.md names; anything else is refused."""
    text = (reason or "").strip().lower()
    if text not in REVOCATION_REASONS:
        allowed = ", ".join(REVOCATION_REASONS)
        raise Invalid(
            f"Skälet '{reason}' finns inte; välj ett av {allowed} (R19). / "
            f"There is no reason '{reason}'; choose one of {allowed} (R19).",
            rule=REVOKE_RULE,
        )
    return text


def _channel(via: str | None) -> str:
    if via is None or not via.strip():
        return VIA_SERVICE_DESK
    channel = VIA_WORDS.get(via.strip().lower())
    if channel is None:
        raise Invalid(
            f"Okänd kanal '{via}'; bara national-support-line finns (R19). / "
            f"Unknown channel '{via}'; only national-support-line exists (R19).",
            rule=REVOKE_RULE,
        )
    return channel


def _card(session: Session, number: str) -> ReserveCard:
    number = normal_card_number(number)
    card = session.get(ReserveCard, number)
    if card is None:
        raise NotFound(f"Inget kort med nummer {number}. / No card numbered {number}.")
    return card


def _require_service_desk(actor: Person, card: ReserveCard, day: date) -> None:
    """R19: a card is revoked through the service desk of the card's organisation."""
    if has_role(actor, SERVICE_DESK, day, card.organisation):
        return
    raise NotPermitted(
        f"{actor.username} får inte spärra kort: det gör servicedesken (TjänsteID), utanför "
        f"kontorstid via nationella supportlinjen (R19). / {actor.username} may not revoke "
        f"cards: the service desk does, outside office hours via the national support line "
        f"(R19).",
        rule=REVOKE_RULE,
    )


def _shown(revocation: CardRevocation) -> RevokedCard:
    return RevokedCard(
        number=revocation.card_number,
        state=CARD_REVOKED,
        reason=revocation.reason,
        via=revocation.via,
        revoked_at=revocation.revoked_at,
        add_ons_to_end=tuple(revocation.add_ons_to_end.split()),
        ended_cases=tuple(int(c) for c in revocation.ended_cases.split()),
    )
