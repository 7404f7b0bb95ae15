"""R19 employment end: the directory learns the end date, and at it the holder's cards go.

`employment-end` (processes/employment-end.bpmn) starts with the service desk's form:
`holder`, `organisation` (its code, e.g. `hemtjanst-demo`) and `ends_on`. The start action
`end_employment` writes the end date onto the holder's employment in that organisation, so
from then on no certificate is issued or renewed past it (R3: the validity ceiling reads
the employment's end). The process waits for a timer at the end of `ends_on` (local
midnight after it: the employment covers its last day) and then runs the service
operation `revoke_employment_cards`: every issued card of the holder in that organisation
(the card's organisation or the organisation are in one line: a region's stock card issued
for a unit counts) is revoked with reason `employment_end` (R19). `register_return` then
waits for the service desk to register the card coming back cut through the chip.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.model import Case
from engine.model import Organisation
from engine.model import Person
from engine.model import ReserveCard
from engine.model.cards import CARD_ISSUED
from engine.model.people import Employment
from engine.model.revocations import VIA_EMPLOYMENT_END
from engine.policy.timekeeping import end_of_local_day
from engine.policy.timekeeping import to_local
from engine.rights import SERVICE_DESK
from engine.rights import has_role
from engine.services.actions import ActionContext
from engine.services.actions import ActionResult
from engine.services.actions import PolicyDecision
from engine.services.directory import resolve_holder
from engine.services.revoke import revoke_in_session
from engine.services.subjects import employment_subject
from engine.services.subjects import refuse_second_employment_end

EMPLOYMENT_END_RULE = "R19"
EMPLOYMENT_END_REASON = "employment_end"
# The audit role of the timer's revocation: nobody acts, the process does.
SYSTEM_ROLE = "system"


def end_employment(ctx: ActionContext) -> ActionResult:
    """R19, R3: record the end date on the holder's employment; the timer revokes at it."""
    day = to_local(ctx.clock.now()).date()
    organisation = _organisation(ctx.session, str(ctx.fields["organisation"]))
    if not has_role(ctx.actor, SERVICE_DESK, day, organisation):
        raise NotPermitted(
            f"{ctx.actor.username} får inte avsluta anställningar i {organisation.name}: det gör "
            f"servicedesken för organisationen (R19). / {ctx.actor.username} may not end "
            f"employments in {organisation.name}: the organisation's service desk does (R19).",
            rule=EMPLOYMENT_END_RULE,
        )
    holder = resolve_holder(ctx.session, str(ctx.fields["holder"]), day)
    ends_on = _date(str(ctx.fields["ends_on"]))
    employment = _employment(holder.employments, organisation, ends_on)
    if employment is None:
        raise Invalid(
            f"{holder.display_name} har ingen anställning i {organisation.name} som pågår "
            f"{ends_on.isoformat()} (R3, R19). / {holder.display_name} has no employment in "
            f"{organisation.name} running on {ends_on.isoformat()} (R3, R19).",
            rule="R3",
        )
    # R19: one open end of an employment; the directory import moves its date instead.
    what = f"{holder.display_name}, {organisation.name}"
    refuse_second_employment_end(ctx.session, employment.id, what)
    employment.end_date = ends_on
    data = case_data(holder, organisation, ends_on)
    return ActionResult(
        data,
        [end_decision(organisation, ends_on)],
        holder=holder,
        subject=employment_subject(employment.id),
    )


def case_data(holder: Person, organisation: Organisation, ends_on: date) -> dict[str, Any]:
    """What an employment-end case knows: whose employment, where, the last day, and the
    instant its timer revokes (the local midnight after the last day)."""
    return {
        "holder": holder.username or holder.identity_number,
        "holder_number": holder.identity_number,
        "holder_name": holder.display_name,
        "organisation": organisation.code,
        "organisation_name": organisation.name,
        "ends_on": ends_on.isoformat(),
        "revoke_at": end_of_local_day(ends_on).isoformat(),
    }


def end_decision(organisation: Organisation, ends_on: date) -> PolicyDecision:
    return PolicyDecision(
        "R3",
        f"Anställningen i {organisation.name} slutar {ends_on.isoformat()}; inget certifikat "
        f"gäller längre, korten spärras då (R19). / The employment in {organisation.name} ends "
        f"{ends_on.isoformat()}; no certificate runs past it, the cards are revoked then (R19).",
        {"ends_on": ends_on.isoformat(), "organisation": organisation.code},
    )


def revoke_employment_cards(
    session: Session, clock: Clock, case: Case, data: Mapping[str, Any]
) -> list[str]:
    """R19: at the end date, revoke every issued card of the holder in the organisation."""
    if case.holder_id is None:
        return []
    organisation = _organisation(session, str(data.get("organisation", "")))
    cards = session.scalars(
        select(ReserveCard)
        .where(ReserveCard.holder_id == case.holder_id, ReserveCard.state == CARD_ISSUED)
        .order_by(ReserveCard.number)
    ).all()
    revoked: list[str] = []
    for card in cards:
        if not _same_line(card.organisation, organisation):
            continue
        revoke_in_session(
            session,
            clock,
            card,
            case.started_by,
            SYSTEM_ROLE,
            EMPLOYMENT_END_REASON,
            VIA_EMPLOYMENT_END,
            case_id=case.id,
            audit_actor="system",
        )
        revoked.append(card.number)
    return revoked


def _same_line(card_organisation: Organisation, organisation: Organisation) -> bool:
    """A card belongs to the organisation when one of them is above (or is) the other."""
    return any(o.id == organisation.id for o in card_organisation.lineage()) or any(
        o.id == card_organisation.id for o in organisation.lineage()
    )


def _organisation(session: Session, text: str) -> Organisation:
    key = text.strip()
    found = session.scalars(
        select(Organisation).where((Organisation.code == key.lower()) | (Organisation.name == key))
    ).first()
    if found is None:
        raise Invalid(
            f"Okänd organisation '{key}'; ange dess namn eller kod. / "
            f"Unknown organisation '{key}'; give its name or code."
        )
    return found


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise Invalid(
            f"'{text}' är inget datum (2026-12-31). / '{text}' is not a date (2026-12-31)."
        ) from error


def _employment(
    employments: list[Employment], organisation: Organisation, ends_on: date
) -> Employment | None:
    """The holder's employment in exactly this organisation running on `ends_on`."""
    for employment in employments:
        if employment.organisation_id != organisation.id:
            continue
        if employment.start_date <= ends_on and (
            employment.end_date is None or ends_on <= employment.end_date
        ):
            return employment
    return None
