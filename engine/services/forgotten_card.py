"""R20 forgotten card: the card user and two colleagues as attesters issue a temporary card.

`forgotten-card` (processes/forgotten-card.bpmn): the card user starts it for themself
(lane `card_user`: no administrator's right, their employment that day decides the
organisation, R3) with `attester_1`, `attester_2` and `card_number`, a blank reserve card
from the workplace's envelope. Refused with R20 where the organisation does not allow
forgotten-card temporary cards (`organisations.allows_forgotten_card`, read for the
organisation itself: a unit decides for its own staff). The attesters are two different
people, neither the card user, both employed that day in the same organisation.

Each attester attests in their own `attest` step, assigned to them by name (the task's
`assignee` property, engine.services.assignees); the action checks again that the actor
is the attester whose turn it is (S3, whatever the model says). The second attestation
issues the card: LoA2 (R6 rules out LoA3 without two LoA3 ID administrators), under every
LoA2 invariant (R2, R4, R11–R14; R12: only outside office hours), valid to the end of the
next local day at most (docs/conventions.md, seed 003 "tillfälligt reservkort").
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta

from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.invariants import card_from_stock
from engine.model import Certificate
from engine.model import Organisation
from engine.model import Person
from engine.model.cards import CARD_ISSUED
from engine.policy.office_hours import check_loa2_issue_time
from engine.policy.timekeeping import format_local
from engine.policy.timekeeping import last_instant_of_local_day
from engine.policy.timekeeping import to_local
from engine.policy.validity import is_valid_for_national_systems
from engine.services.actions import ActionContext
from engine.services.actions import ActionResult
from engine.services.actions import PolicyDecision
from engine.services.actions import holder_ceiling
from engine.services.directory import require_employment
from engine.services.directory import resolve_holder
from engine.services.registers.organisation_settings import setting_in_force

CARD_USER_ROLE = "card_user"
FORGOTTEN_CARD_RULE = "R20"
TEMPORARY_LOA = 2
ATTESTERS = ("attester_1", "attester_2")


def card_user_organisation(actor: Person, day: date) -> Organisation:
    """R3: a card user acts in the organisation of their employment that day."""
    for employment in actor.employments:
        if employment.is_active_on(day):
            return employment.organisation
    raise NotPermitted(
        f"{actor.username} har ingen anställning i personkatalogen {day.isoformat()} (R3). / "
        f"{actor.username} has no employment in the staff directory on {day.isoformat()} (R3).",
        rule="R3",
    )


def start_forgotten_card(ctx: ActionContext) -> ActionResult:
    """R20: the card user names two attesters and a blank card; the organisation must allow it."""
    day = to_local(ctx.clock.now()).date()
    # R20 as set for this day (S6: `organisation set` dates a change).
    if not setting_in_force(ctx.session, ctx.organisation, "allows_forgotten_card", day):
        raise NotPermitted(
            f"{ctx.organisation.name} tillåter inte tillfälliga reservkort med intygsgivare "
            f"(R20). / {ctx.organisation.name} does not allow temporary reserve cards with "
            f"attesters (R20).",
            rule=FORGOTTEN_CARD_RULE,
        )
    user = ctx.actor
    if user.identity_number is None:
        raise NotPermitted(
            f"{user.username} finns inte som kortanvändare i personkatalogen (R3). / "
            f"{user.username} is not a card user in the staff directory (R3).",
            rule="R3",
        )
    attesters = [resolve_holder(ctx.session, str(ctx.fields[f]), day) for f in ATTESTERS]
    if any(a.id == user.id for a in attesters) or attesters[0].id == attesters[1].id:
        raise Invalid(
            "Intygsgivarna ska vara två olika kollegor, ingen av dem du själv (R20). / "
            "The attesters must be two different colleagues, neither of them yourself (R20).",
            rule=FORGOTTEN_CARD_RULE,
        )
    for attester in attesters:
        if not _employed_in_exactly(attester, ctx.organisation, day):
            raise NotPermitted(
                f"{attester.display_name} är inte anställd i {ctx.organisation.name} "
                f"{day.isoformat()}; intygsgivare är kollegor i samma organisation (R20). / "
                f"{attester.display_name} is not employed in {ctx.organisation.name} on "
                f"{day.isoformat()}; attesters are colleagues in the same organisation (R20).",
                rule=FORGOTTEN_CARD_RULE,
            )
    names = [a.username or a.identity_number or "" for a in attesters]
    data = {
        "holder": user.username or user.identity_number,
        "holder_number": user.identity_number,
        "holder_name": user.display_name,
        "loa": TEMPORARY_LOA,
        "attester_1": names[0],
        "attester_2": names[1],
        "card_number": str(ctx.fields["card_number"]),
        "next_attester": names[0],
        "attestations": 0,
    }
    return ActionResult(data, holder=user)


def attest_forgotten_card(ctx: ActionContext) -> ActionResult:
    """R20: the attester whose turn it is attests; the second attestation issues the card."""
    case = ctx.case
    assert case is not None and case.holder is not None  # a task runs in a started case
    expected = str(ctx.case_data.get("next_attester", ""))
    if ctx.actor.username != expected:
        raise NotPermitted(
            f"Det är {expected}s tur att intyga; var och en intygar i sitt eget steg (R20). / "
            f"It is {expected}'s turn to attest; each attests in their own step (R20).",
            rule=FORGOTTEN_CARD_RULE,
        )
    count = int(ctx.case_data.get("attestations", 0)) + 1
    decision = PolicyDecision(
        FORGOTTEN_CARD_RULE,
        f"Intygat av {expected} ({count} av 2) / Attested by {expected} ({count} of 2)",
        {"attester": expected, "attestation": count},
    )
    if count < len(ATTESTERS):
        data = {"attestations": count, "next_attester": ctx.case_data["attester_2"]}
        return ActionResult(data, [decision])
    return _issue_temporary_card(ctx, case.holder, count, decision)


def _issue_temporary_card(
    ctx: ActionContext, holder: Person, count: int, decision: PolicyDecision
) -> ActionResult:
    now = ctx.clock.now()
    day = to_local(now).date()
    check_loa2_issue_time(now, ctx.policy.calendar)  # R12, whatever the model says (S3)
    card = card_from_stock(ctx.session, str(ctx.case_data["card_number"]), holder, TEMPORARY_LOA)
    employment = require_employment(holder, ctx.organisation, day)
    limit = ctx.policy.validity_limit(TEMPORARY_LOA, now)
    ceiling = holder_ceiling(  # R2: never past the card's end of life either
        TEMPORARY_LOA, now, limit, ctx.organisation, employment.end_date, card.end_of_life
    )
    valid_until = _temporary_end(now, ceiling.until)
    if valid_until <= now:
        raise Conflict(
            f"Inget certifikat kan utfärdas nu ({ceiling.reason_sv}). / "
            f"No certificate can be issued now ({ceiling.reason_en}).",
            rule=ceiling.rule,
        )
    card.state = CARD_ISSUED
    card.holder = holder
    card.loa = TEMPORARY_LOA
    card.issued_at = now
    ctx.session.add(
        Certificate(
            card=card,
            holder=holder,
            case_id=ctx.case.id if ctx.case else None,
            loa=TEMPORARY_LOA,
            kind="issue",
            valid_from=now,
            valid_until=valid_until,
            issued_by=ctx.actor,
            valid_for_national_systems=is_valid_for_national_systems(TEMPORARY_LOA, valid_until),
            ceiling_rule=FORGOTTEN_CARD_RULE if valid_until < ceiling.until else ceiling.rule,
            policy_version=ctx.policy.version,
        )
    )
    issued = PolicyDecision(
        FORGOTTEN_CARD_RULE,
        f"Tillfälligt reservkort LoA2 giltigt till {format_local(valid_until)} / "
        f"Temporary LoA2 reserve card valid until {format_local(valid_until)}",
        {"valid_until": valid_until.isoformat(), "ceiling": ceiling.until.isoformat()},
    )
    data = {
        "attestations": count,
        "next_attester": "",
        "card_number": card.number,
        "valid_until": to_local(valid_until).isoformat(),
        "certificate_valid_until": valid_until.isoformat(),
    }
    return ActionResult(data, [decision, issued], holder, card.number)


def _employed_in_exactly(person: Person, organisation: Organisation, day: date) -> bool:
    """R20: a colleague in the card user's own organisation (a unit below is another one)."""
    return any(
        e.organisation_id == organisation.id and e.is_active_on(day) for e in person.employments
    )


def _temporary_end(now: datetime, ceiling: datetime) -> datetime:
    """The end of the next local day (docs/conventions.md), or the rules' ceiling if earlier."""
    next_day = to_local(now).date() + timedelta(days=1)
    return min(last_instant_of_local_day(next_day), ceiling)
