"""Domain actions a BPMN start event or user task names in its `action` property.

The case service runs an action after its own checks (READY, rights, four-eyes, form,
deadline) and before SpiffWorkflow runs the task. An action checks the policy at the
clock's time, writes cards and certificates in the same unit of work, and returns the
data the workflow carries on. A refusal raises, and the unit of work rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm import object_session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.invariants import FIRST_VERIFICATION_MARK
from engine.invariants import SECOND_VERIFICATION_MARK
from engine.invariants import SERVICE_DESK_ROLE
from engine.invariants import card_from_stock
from engine.invariants import certificate_loa
from engine.invariants import require_case_loa
from engine.invariants import require_deadline
from engine.invariants import require_loa3_verifier
from engine.invariants import require_may_issue
from engine.invariants import require_second_verifier
from engine.invariants import revoked_card_message
from engine.model import Case
from engine.model import Certificate
from engine.model import Organisation
from engine.model import Person
from engine.model import ReserveCard
from engine.model.cards import CARD_ISSUED
from engine.model.cards import CARD_REVOKED
from engine.policy.identity import check_age_for_loa
from engine.policy.identity import check_loa3_identity
from engine.policy.office_hours import check_loa2_issue_time
from engine.policy.service_hours import check_service_desk_hours
from engine.policy.timekeeping import add_local_days
from engine.policy.timekeeping import format_local
from engine.policy.timekeeping import parse_date_or_instant
from engine.policy.timekeeping import parse_instant
from engine.policy.timekeeping import to_local
from engine.policy.validity import Ceiling
from engine.policy.validity import ValidityLimit
from engine.policy.validity import capped_by_rules
from engine.policy.validity import describe_limit
from engine.policy.validity import is_valid_for_national_systems
from engine.policy.validity import resolve_valid_until
from engine.policy.validity import validity_ceiling
from engine.services.directory import identity_of
from engine.services.directory import require_employment
from engine.services.directory import resolve_holder
from engine.services.live_cards import CaseWarning
from engine.services.live_cards import live_loa2_warnings
from engine.services.policy import PolicyReader
from engine.services.registers.organisation_settings import setting_in_force


@dataclass(frozen=True)
class PolicyDecision:
    """One rule applied, for the audit trail."""

    rule: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class ActionContext:
    session: Session
    clock: Clock
    policy: PolicyReader
    actor: Person
    organisation: Organisation
    case: Case | None
    case_data: dict[str, Any]
    fields: dict[str, Any]
    properties: dict[str, str]

    @property
    def loa(self) -> int:
        """The task's `loa` property; missing or not 2/3 is refused, never defaulted (S3)."""
        return certificate_loa(self.properties, self.properties.get("action", ""))


@dataclass
class ActionResult:
    data: dict[str, Any]
    decisions: list[PolicyDecision] = field(default_factory=list)
    holder: Person | None = None
    card_number: str | None = None
    dispensation: str | None = None
    warnings: list[CaseWarning] = field(default_factory=list)
    # Certificates a start action issued before its case existed: the case service links
    # them to the new case once it has an id (loa2-onsite issues at the start).
    certificates: list[Certificate] = field(default_factory=list)
    # The case's organisation when the start action names a narrower one than the actor's
    # right (loa2-onsite: the card user's unit, whose R14 setting the certificate follows).
    organisation: Organisation | None = None
    # What the process has at most one open case about (engine.services.subjects).
    subject: str | None = None


Action = Callable[[ActionContext], ActionResult]


def _holder_fields(holder: Person) -> dict[str, Any]:
    return {
        "holder": holder.username or holder.identity_number,
        "holder_number": holder.identity_number,
        "holder_name": holder.display_name,
    }


def first_verification(ctx: ActionContext) -> ActionResult:
    """R6: the first LoA3 admin verifies; R3, age 18, R10; the R7 deadline starts now.

    The deadline itself is the process version's timer (the case service audits it from
    there); the R6 decision recorded here is what the second step checks against (S3).
    """
    now = ctx.clock.now()
    day = to_local(now).date()
    # R5 whatever the lane of this step says (S3).
    require_loa3_verifier(ctx.actor, ctx.organisation, day)
    holder = resolve_holder(ctx.session, str(ctx.fields["holder"]), day)
    _refuse_self_verification(holder, ctx.actor)
    require_employment(holder, ctx.organisation, day)
    identity = identity_of(holder, day)
    check_age_for_loa(identity.birth_date, day, 3)
    dispensation = check_loa3_identity(identity, str(ctx.fields["id_document"]), day)
    data = {
        **_holder_fields(holder),
        "loa": 3,
        "id_document": ctx.fields["id_document"],
        "first_admin": ctx.actor.username,
        "first_verified_at": now.isoformat(),
    }
    decisions = [
        PolicyDecision(
            "R6",
            f"Första identitetskontrollen: {ctx.actor.username} / First verification: "
            f"{ctx.actor.username}",
            {"verification": FIRST_VERIFICATION_MARK},
        ),
    ]
    if dispensation:
        decisions.append(
            PolicyDecision("R10", f"Dispens: {dispensation} / Dispensation: {dispensation}")
        )
    return ActionResult(data, decisions, holder=holder, dispensation=dispensation)


def order_loa2(ctx: ActionContext) -> ActionResult:
    """R15: a remote admin orders LoA2 for a card user employed in the admin's unit (R3).

    A card user who already has a live LoA2 card is warned about, not refused: no rule
    forbids a second reserve card, but renewing the first is usually what was meant.
    """
    day = to_local(ctx.clock.now()).date()
    holder = resolve_holder(ctx.session, str(ctx.fields["holder"]), day)
    require_employment(holder, ctx.organisation, day)
    check_age_for_loa(identity_of(holder, day).birth_date, day, 2)
    data = {
        **_holder_fields(holder),
        "loa": 2,
        "reason": ctx.fields["reason"],
        "ordered_by": ctx.actor.username,
        "cycle": 1,
    }
    warnings = live_loa2_warnings(ctx.session, holder, ctx.clock.now())
    return ActionResult(data, holder=holder, warnings=warnings)


def issue_reserve_card(ctx: ActionContext) -> ActionResult:
    """Issue a stock card at the task's LoA (R1, R2, R4) with a certificate within policy.

    S3: the role (R5) and, for LoA3, the two different LoA3 administrators (R6) are
    checked here whatever the task's lane and properties say.
    """
    case = _case_with_holder(ctx)
    now = ctx.clock.now()
    day = to_local(now).date()
    holder = case.holder
    assert holder is not None  # _case_with_holder refuses a case without one
    loa = ctx.loa
    require_case_loa(ctx.case_data, loa)
    require_may_issue(ctx.actor, ctx.organisation, loa, day, renewal=False)
    first = None
    if loa == 3:
        require_deadline(case)
        first = require_second_verifier(ctx.session, case, ctx.actor)
    decisions: list[PolicyDecision] = []
    if first is not None:
        decisions.append(
            PolicyDecision(
                "R6",
                f"Två LoA3-administratörer: {first.person.username} och {ctx.actor.username} / "
                f"Two LoA3 administrators: {first.person.username} and {ctx.actor.username}",
                {"verification": SECOND_VERIFICATION_MARK, "first": first.person.username},
            )
        )
    dispensation = None
    _refuse_self_verification(holder, ctx.actor)
    if loa == 3:
        identity = identity_of(holder, day)
        check_age_for_loa(identity.birth_date, day, 3)
        dispensation = check_loa3_identity(identity, str(ctx.fields["id_document"]), day)
    else:
        check_loa2_issue_time(now, ctx.policy.calendar)  # R12
        decisions.append(PolicyDecision("R12", "Utanför kontorstid / Outside office hours"))
    card = card_from_stock(ctx.session, str(ctx.fields["card_number"]), holder, loa)
    valid_until, ceiling_rule, more = _validity(ctx, holder, now, card=card)
    decisions.extend(more)
    card.state = CARD_ISSUED
    card.holder = holder
    card.loa = loa
    card.issued_at = now
    first_admin = first.person if first is not None else None
    ctx.session.add(
        _certificate(ctx, card, holder, "issue", now, valid_until, ceiling_rule, first_admin)
    )
    data = {**_validity_data(ctx, valid_until), "card_number": card.number}
    if loa == 3:
        data["second_admin"] = ctx.actor.username
        data["second_id_document"] = ctx.fields["id_document"]
        # R6: each administrator's own document stays on the case. The form's field has the
        # same name as the first step's, and the case data would otherwise keep only the last.
        if "id_document" in ctx.case_data:
            data["id_document"] = ctx.case_data["id_document"]
    return ActionResult(data, decisions, holder, card.number, dispensation)


def renew_certificate(ctx: ActionContext) -> ActionResult:
    """R4/R11/R12/R14: a new validity at the card's own LoA, only outside office hours.

    S3: the role that renews (R5, R9, R15) is checked whatever the task's lane says.
    """
    case = _case_with_holder(ctx)
    now = ctx.clock.now()
    holder = case.holder
    assert holder is not None  # _case_with_holder refuses a case without one
    role = require_may_issue(
        ctx.actor, ctx.organisation, ctx.loa, to_local(now).date(), renewal=True
    )
    if ctx.loa == 3 and role == SERVICE_DESK_ROLE:
        check_service_desk_hours(now, ctx.policy.calendar)  # R9, whatever the model waits for
    card = ctx.session.get(ReserveCard, str(ctx.case_data.get("card_number")))
    if card is not None and card.state == CARD_REVOKED:
        raise NotPermitted(revoked_card_message(card.number), rule="R2")  # R2, R19
    if card is None or card.state != CARD_ISSUED or card.holder_id != holder.id:
        raise Conflict(
            "Ärendet har inget utfärdat kort att förlänga. / The case has no issued card to renew."
        )
    if card.loa != ctx.loa:
        raise NotPermitted(
            f"Kortet {card.number} har LoA{card.loa}; ett certifikat förlängs bara på samma nivå (R4). / "
            f"Card {card.number} is LoA{card.loa}; a certificate is renewed only at its own LoA (R4).",
            rule="R4",
        )
    decisions: list[PolicyDecision] = []
    if card.loa == 2:
        check_loa2_issue_time(now, ctx.policy.calendar)  # R12
        decisions.append(PolicyDecision("R12", "Utanför kontorstid / Outside office hours"))
    # The certificate this renewal replaces, as the case carries it: a renewal to its day
    # keeps its end instead of drifting with the renewal's own instant.
    current = ctx.case_data.get("certificate_valid_until")
    current_until = parse_instant(str(current)) if current else None
    valid_until, ceiling_rule, more = _validity(ctx, holder, now, current_until, card=card)
    decisions.extend(more)
    ctx.session.add(_certificate(ctx, card, holder, "renewal", now, valid_until, ceiling_rule))
    data = {**_validity_data(ctx, valid_until), "renewed_by": ctx.actor.username}
    return ActionResult(data, decisions, holder, card.number)


ACTIONS: dict[str, Action] = {
    "first_verification": first_verification,
    "order_loa2": order_loa2,
    "issue_reserve_card": issue_reserve_card,
    "renew_certificate": renew_certificate,
    "issue_at_station": lambda ctx: _station_action("issue_at_station", ctx),
    "select_card_for_renewal": lambda ctx: _station_action("select_card_for_renewal", ctx),
}


def _station_action(name: str, ctx: ActionContext) -> ActionResult:
    """loa2-onsite and loa3-renewal's start actions live in engine.services.station_actions,
    which builds on the helpers here; imported when first run so the modules do not import
    each other while loading."""
    from engine.services import station_actions

    return station_actions.ACTIONS[name](ctx)


def _case_with_holder(ctx: ActionContext) -> Case:
    """A card is issued or renewed only in a case whose holder was verified (S3)."""
    if ctx.case is None or ctx.case.holder is None:
        raise Invalid(
            "Processen utfärdar eller förnyar ett kort innan någon innehavare är styrkt; inget "
            "kort utfärdas. Kontakta processägaren (S3). / The process issues or renews a card "
            "before any holder was verified; no card is issued. Contact the process owner (S3).",
            rule="S3",
        )
    return ctx.case


def _refuse_self_verification(holder: Person, actor: Person) -> None:
    if holder.id == actor.id:
        raise NotPermitted(
            "En ID-administratör kan inte styrka sin egen identitet (R6). / "
            "An ID administrator cannot verify their own identity (R6).",
            rule="R6",
        )


def _validity(
    ctx: ActionContext,
    holder: Person,
    now: datetime,
    current_until: datetime | None = None,
    *,
    card: ReserveCard,
) -> tuple[datetime, str, list[PolicyDecision]]:
    day = to_local(now).date()
    # R3: the holder must still be employed when the certificate is issued or renewed,
    # not only when the case started; a validity never outlasts that employment.
    employment = require_employment(holder, ctx.organisation, day)
    limit = _table_limit(ctx, now)
    ceiling = holder_ceiling(
        ctx.loa, now, limit, ctx.organisation, employment.end_date, card.end_of_life
    )
    valid_until = resolve_valid_until(
        parse_date_or_instant(str(ctx.fields["valid_until"])),
        issued_at=now,
        ceiling=ceiling,
        current_until=current_until,
    )
    decisions = [
        PolicyDecision(
            ceiling.rule,
            f"Giltig till {format_local(valid_until)}; högst {format_local(ceiling.until)} "
            f"({ceiling.reason_sv}) / Valid until {format_local(valid_until)}; at most "
            f"{format_local(ceiling.until)} ({ceiling.reason_en})",
            {
                "valid_until": valid_until,
                "ceiling": ceiling.until,
                "bound": ceiling.bound,
                "table_limit": describe_limit(limit, "en"),
            },
        )
    ]
    decisions += _table_capped(ctx.loa, now, limit)
    return valid_until, ceiling.rule, decisions


def _table_limit(ctx: ActionContext, now: datetime) -> ValidityLimit:
    """The validity-limits row in force; a row without a usable limit is refused (S3)."""
    try:
        return ctx.policy.validity_limit(ctx.loa, now)
    except (ValueError, TypeError) as error:
        raise Invalid(
            f"Beslutstabellen validity-limits ger ingen användbar giltighetstid för LoA{ctx.loa} "
            f"({error}); inget certifikat utfärdas. Kontakta processägaren (S3). / The "
            f"validity-limits table gives no usable validity for LoA{ctx.loa} ({error}); no "
            f"certificate is issued. Contact the process owner (S3).",
            rule="S3",
        ) from error


def _table_capped(loa: int, now: datetime, limit: ValidityLimit) -> list[PolicyDecision]:
    """S3: audit that a DMN row allowing more than R9/R11 was capped by the rule."""
    rules = capped_by_rules(loa, now, limit)
    if rules is None:
        return []
    return [
        PolicyDecision(
            rules.rule,
            f"Beslutstabellen tillät {describe_limit(limit, 'sv')}; regeln tillåter högst "
            f"{describe_limit(rules, 'sv')} ({rules.rule}, S3) / The decision table allowed "
            f"{describe_limit(limit, 'en')}; the rule allows at most "
            f"{describe_limit(rules, 'en')} ({rules.rule}, S3)",
            {
                "table_limit": describe_limit(limit, "en"),
                "rules_limit": describe_limit(rules, "en"),
            },
        )
    ]


def _accepts_loa2(organisation: Organisation, now: datetime) -> bool:
    """R14: an organisation (or the region it belongs to) that accepts LoA2 after 2026-06-30,
    by the setting in force on the event's day (S6: a dated change never judges earlier)."""
    session = object_session(organisation)
    day = to_local(now).date()
    return any(
        org.accepts_loa2_after_national_end
        if session is None
        else setting_in_force(session, org, "accepts_loa2_after_national_end", day)
        for org in organisation.lineage()
    )


def holder_ceiling(
    loa: int,
    now: datetime,
    limit: ValidityLimit,
    organisation: Organisation,
    employment_end: date | None,
    card_end_of_life: date | None = None,
) -> Ceiling:
    """The latest end a certificate issued or renewed `now` may have: the table's `limit`
    capped by R9/R11, R13, R14 for `organisation`, R3 (`employment_end`) and R2 (the
    card's end of life, when the card is known). The action judges by it and the form
    shows its last day (engine.services.model_values)."""
    return validity_ceiling(
        loa=loa,
        issued_at=now,
        limit=limit,
        accepts_loa2_after_national_end=_accepts_loa2(organisation, now),
        employment_end=employment_end,
        card_end_of_life=card_end_of_life,
    )


def _certificate(
    ctx: ActionContext,
    card: ReserveCard,
    holder: Person,
    kind: str,
    now: datetime,
    valid_until: datetime,
    ceiling_rule: str,
    first_admin: Person | None = None,
) -> Certificate:
    return Certificate(
        first_admin=first_admin,
        card=card,
        holder=holder,
        case_id=ctx.case.id if ctx.case else None,
        loa=ctx.loa,
        kind=kind,
        valid_from=now,
        valid_until=valid_until,
        issued_by=ctx.actor,
        valid_for_national_systems=is_valid_for_national_systems(ctx.loa, valid_until),
        ceiling_rule=ceiling_rule,
        policy_version=ctx.policy.version,
    )


def _validity_data(ctx: ActionContext, valid_until: datetime) -> dict[str, Any]:
    lead_days = ctx.policy.reminder_lead_days(ctx.loa, ctx.clock.now())
    return {
        "loa": ctx.loa,
        "valid_until": to_local(valid_until).isoformat(),
        "certificate_valid_until": valid_until.isoformat(),
        "reminder_at": add_local_days(valid_until, -lead_days).isoformat(),
        "valid_for_national_systems": is_valid_for_national_systems(ctx.loa, valid_until),
    }


# The helpers engine.services.station_actions builds on, under public names.
holder_fields = _holder_fields
refuse_self_verification = _refuse_self_verification
validity_of = _validity
validity_data = _validity_data
certificate_for = _certificate
