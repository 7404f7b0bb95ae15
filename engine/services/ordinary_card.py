"""R16 ordinary cards: ordered by a full ID administrator, mailed, activated in person.

`ordinary-card` (processes/ordinary-card.bpmn): the start action `order_ordinary_card`
(a full ID administrator, R5) checks the holder (R3, age 18: ordinary cards are LoA3, R1);
`mail_card` (the service desk) records the card mailed to the registered address and
starts the 100 days; `activate` (a full ID administrator, in person, with valid ID) issues
the LoA3 certificate. Not activated 100 days after mailing: the process's timer runs
`revoke_unactivated_card`, the card is revoked (reason `not_activated`) and the case
lapses, so the old order is cancelled; a reminder goes to the holder 14 days before.

The certificate of an activated ordinary card: the seeds give no validity, so it runs as
far as the card's life allows (R2: 10 years from production, the mailing day here) and
never past the holder's employment (R3). docs/conventions.md says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import NotPermitted
from engine.identifiers import normal_card_number
from engine.model import Case
from engine.model import Certificate
from engine.model import Organisation
from engine.model import Person
from engine.model import ReserveCard
from engine.model.cards import CARD_ISSUED
from engine.model.cards import CARD_MAILED
from engine.model.revocations import NOT_ACTIVATED
from engine.model.revocations import VIA_R16_LAPSE
from engine.policy.identity import check_age_for_loa
from engine.policy.timekeeping import add_local_days
from engine.policy.timekeeping import add_local_months
from engine.policy.timekeeping import format_local
from engine.policy.timekeeping import last_instant_of_local_day
from engine.policy.timekeeping import local_midnight
from engine.policy.timekeeping import to_local
from engine.rights import ID_ADMIN_FULL
from engine.rights import rights_granting
from engine.services.actions import ActionContext
from engine.services.actions import ActionResult
from engine.services.actions import PolicyDecision
from engine.services.directory import identity_of
from engine.services.directory import require_employment
from engine.services.directory import resolve_holder
from engine.services.revoke import revoke_in_session

ORDINARY_LOA = 3  # R1: ordinary cards are always LoA3
ACTIVATION_DAYS = 100  # R16
ACTIVATION_REMINDER_LEAD_DAYS = 14  # convention: "with a reminder before" (R16)
CARD_LIFE_MONTHS = 120  # R2: a card is valid 10 years from production
FULL_ADMIN_ROLE = "full_admin"


def order_ordinary_card(ctx: ActionContext) -> ActionResult:
    """R16, R5: a full ID administrator orders an ordinary card for an employed holder."""
    day = to_local(ctx.clock.now()).date()
    _require_full_admin(ctx.actor, ctx.organisation, day, "beställa", "order")
    holder = resolve_holder(ctx.session, str(ctx.fields["holder"]), day)
    require_employment(holder, ctx.organisation, day)
    check_age_for_loa(identity_of(holder, day).birth_date, day, ORDINARY_LOA)
    data = {
        "holder": holder.username or holder.identity_number,
        "holder_number": holder.identity_number,
        "holder_name": holder.display_name,
        "loa": ORDINARY_LOA,
        "ordered_by": ctx.actor.username,
    }
    return ActionResult(data, holder=holder)


def mail_ordinary_card(ctx: ActionContext) -> ActionResult:
    """R16: the card is mailed to the registered address; the 100 days start now."""
    case = ctx.case
    assert case is not None and case.holder is not None  # a task runs in a started case
    now = ctx.clock.now()
    number = normal_card_number(str(ctx.fields["card_number"]))
    if ctx.session.get(ReserveCard, number) is not None:
        raise Conflict(
            f"Kortnummer {number} finns redan; ett kort går till en person, en gång (R2). / "
            f"Card number {number} already exists; a card goes to one person, once (R2).",
            rule="R2",
        )
    card = ReserveCard(
        number=number,
        organisation_id=case.organisation_id,
        produced_on=to_local(now).date(),
        state=CARD_MAILED,
        holder_id=case.holder.id,
        loa=ORDINARY_LOA,
    )
    ctx.session.add(card)
    lapse_at = add_local_days(now, ACTIVATION_DAYS)
    data = {
        "card_number": number,
        "mailed_at": now.isoformat(),
        "lapse_at": lapse_at.isoformat(),
        "activation_reminder_at": add_local_days(
            lapse_at, -ACTIVATION_REMINDER_LEAD_DAYS
        ).isoformat(),
    }
    decision = PolicyDecision(
        "R16",
        f"Kortet skickat; aktiveras senast {format_local(lapse_at)} annars spärras det / "
        f"Card mailed; to be activated by {format_local(lapse_at)} or it is revoked",
        {"lapse_at": lapse_at.isoformat()},
    )
    return ActionResult(data, [decision], card_number=number)


def activate_ordinary_card(ctx: ActionContext) -> ActionResult:
    """R16: a full ID administrator activates the card in person after checking ID."""
    case = ctx.case
    assert case is not None and case.holder is not None  # a task runs in a started case
    now = ctx.clock.now()
    day = to_local(now).date()
    _require_full_admin(ctx.actor, ctx.organisation, day, "aktivera", "activate")
    holder = case.holder
    if holder.id == ctx.actor.id:
        raise NotPermitted(
            "En ID-administratör kan inte styrka sin egen identitet (R6). / "
            "An ID administrator cannot verify their own identity (R6).",
            rule="R6",
        )
    card = ctx.session.get(ReserveCard, str(ctx.case_data.get("card_number")))
    if card is None or card.state != CARD_MAILED or card.holder_id != holder.id:
        raise Conflict(
            "Ärendet har inget skickat kort som väntar på aktivering (R16). / "
            "The case has no mailed card waiting for activation (R16).",
            rule="R16",
        )
    employment = require_employment(holder, ctx.organisation, day)
    valid_until = _certificate_end(card, employment.end_date, now)
    card.state = CARD_ISSUED
    card.issued_at = now
    ctx.session.add(
        Certificate(
            card=card,
            holder=holder,
            case_id=case.id,
            loa=ORDINARY_LOA,
            kind="issue",
            valid_from=now,
            valid_until=valid_until,
            issued_by=ctx.actor,
            valid_for_national_systems=True,
            ceiling_rule="R2",
            policy_version=ctx.policy.version,
        )
    )
    data = {
        "activated_by": ctx.actor.username,
        "valid_until": to_local(valid_until).isoformat(),
        "certificate_valid_until": valid_until.isoformat(),
    }
    decision = PolicyDecision(
        "R16",
        f"Aktiverat personligen; giltigt till {format_local(valid_until)} / "
        f"Activated in person; valid until {format_local(valid_until)}",
        {"valid_until": valid_until.isoformat(), "id_document": ctx.fields["id_document"]},
    )
    return ActionResult(data, [decision], holder, card.number)


def revoke_unactivated_card(
    session: Session, clock: Clock, case: Case, data: Mapping[str, Any]
) -> None:
    """R16: 100 days after mailing, a card still not activated is revoked automatically."""
    card = session.get(ReserveCard, str(data.get("card_number")))
    if card is None or card.state != CARD_MAILED:
        return
    revoke_in_session(
        session,
        clock,
        card,
        case.started_by,
        "system",
        NOT_ACTIVATED,
        VIA_R16_LAPSE,
        case_id=case.id,
        audit_actor="system",
    )


def _certificate_end(card: ReserveCard, employment_end: date | None, now: datetime) -> datetime:
    """R2 card life (10 years from production, to the day), never past the employment (R3)."""
    life_end = add_local_months(local_midnight(card.produced_on), CARD_LIFE_MONTHS)
    end = life_end - timedelta(seconds=1)
    if employment_end is not None:
        end = min(end, last_instant_of_local_day(employment_end))
    return end


def _require_full_admin(
    actor: Person, organisation: Organisation, day: date, verb_sv: str, verb_en: str
) -> None:
    """R5: only an ID administrator with full rights orders and activates ordinary cards."""
    granted = rights_granting(actor, FULL_ADMIN_ROLE, day, organisation)
    if any(right.right == ID_ADMIN_FULL for right in granted):
        return
    raise NotPermitted(
        f"{actor.username} får inte {verb_sv} ordinarie kort för {organisation.name}: det kräver "
        f"full behörighet som ID-administratör (R5, R16). / {actor.username} may not {verb_en} "
        f"ordinary cards for {organisation.name}: that needs the full ID administrator right "
        f"(R5, R16).",
        rule="R5",
    )
