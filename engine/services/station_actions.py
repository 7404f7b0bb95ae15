"""The start actions of `loa2-onsite` and `loa3-renewal` (issue 12).

`issue_at_station`: an ID administrator at a card station verifies the card user in person
and issues LoA2 at once (R5, R11–R14); the case then runs the renewal loop of
`loa2-remote-order`. `select_card_for_renewal`: a LoA3 ID administrator or the service
desk names a LoA3 card whose certificate is to be renewed (R9, R4); the case waits for
the service desk's next opening. Both build on the helpers of engine.services.actions,
which registers them; every rule is checked here whatever the model's lanes say (S3).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.identifiers import normal_card_number
from engine.invariants import card_from_stock
from engine.invariants import require_may_issue
from engine.invariants import require_station_admin
from engine.model import Certificate
from engine.model import ReserveCard
from engine.model.cards import CARD_ISSUED
from engine.policy.identity import check_age_for_loa
from engine.policy.office_hours import check_loa2_issue_time
from engine.policy.service_hours import next_service_desk_opening
from engine.policy.timekeeping import to_local
from engine.services.actions import Action
from engine.services.actions import ActionContext
from engine.services.actions import ActionResult
from engine.services.actions import PolicyDecision
from engine.services.actions import certificate_for
from engine.services.actions import holder_fields
from engine.services.actions import refuse_self_verification
from engine.services.actions import validity_data
from engine.services.actions import validity_of
from engine.services.directory import identity_of
from engine.services.directory import require_employment
from engine.services.directory import resolve_holder
from engine.services.live_cards import live_loa2_warnings
from engine.services.subjects import card_subject
from engine.services.subjects import lock_card
from engine.services.subjects import refuse_second_renewal


def issue_at_station(ctx: ActionContext) -> ActionResult:
    """loa2-onsite: verify in person and issue LoA2 at once, outside office hours (R12).

    S3: only LoA2 is ever issued by one administrator at the start (R6 needs two for
    LoA3), and only by an ID administrator with a right at a card station (R5).
    """
    now = ctx.clock.now()
    day = to_local(now).date()
    if ctx.loa != 2:
        raise NotPermitted(
            "En ensam ID-administratör utfärdar bara LoA2 på stationen; LoA3 kräver två olika "
            "LoA3-behöriga ID-administratörer (R6). / One ID administrator alone issues only "
            "LoA2 at the station; LoA3 needs two different LoA3-authorised ID administrators "
            "(R6).",
            rule="R6",
        )
    station = require_station_admin(ctx.actor, ctx.organisation, day)  # R5
    holder = resolve_holder(ctx.session, str(ctx.fields["holder"]), day)  # R3
    refuse_self_verification(holder, ctx.actor)
    employment = require_employment(holder, ctx.organisation, day)  # R3
    check_age_for_loa(identity_of(holder, day).birth_date, day, 2)
    check_loa2_issue_time(now, ctx.policy.calendar)  # R12
    warnings = live_loa2_warnings(ctx.session, holder, now)
    card = card_from_stock(ctx.session, str(ctx.fields["card_number"]), holder, 2)  # R2, R4
    # The case belongs to the card user's own unit (inside the admin's right, R5): its R14
    # setting decides how long LoA2 may run, now and at each renewal.
    ctx = replace(ctx, organisation=employment.organisation)
    valid_until, ceiling_rule, decisions = validity_of(ctx, holder, now, card=card)
    decisions.insert(0, PolicyDecision("R12", "Utanför kontorstid / Outside office hours"))
    card.state = CARD_ISSUED
    card.holder = holder
    card.loa = 2
    card.issued_at = now
    certificate = certificate_for(ctx, card, holder, "issue", now, valid_until, ceiling_rule)
    ctx.session.add(certificate)
    data = {
        **holder_fields(holder),
        **validity_data(ctx, valid_until),
        "id_document": ctx.fields["id_document"],
        "card_number": card.number,
        "station": station,
        "issued_by": ctx.actor.username,
        "cycle": 1,
    }
    return ActionResult(
        data,
        decisions,
        holder,
        card.number,
        warnings=warnings,
        certificates=[certificate],
        organisation=ctx.organisation,
    )


def select_card_for_renewal(ctx: ActionContext) -> ActionResult:
    """loa3-renewal: the LoA3 card whose certificate the service desk renews (R9, R4).

    The case waits for the service desk's next opening (`service_opens_at`, R9); the
    renewal itself is `renew_certificate` at LoA3, which refuses outside those hours (S3).
    """
    now = ctx.clock.now()
    day = to_local(now).date()
    # R5/R9: a LoA3 ID administrator or the service desk, whatever the lane says (S3).
    require_may_issue(ctx.actor, ctx.organisation, 3, day, renewal=True)
    number = normal_card_number(str(ctx.fields["card_number"]))
    lock_card(ctx.session, number)  # a second start of this card waits for this one
    card = ctx.session.get(ReserveCard, number)
    if card is None or card.holder is None or card.state != CARD_ISSUED:
        raise NotFound(
            f"Kortet {number} är inget utfärdat reservkort. / Card {number} is not an issued "
            f"reserve card."
        )
    if card.loa != 3:
        raise NotPermitted(
            f"Kortet {number} har LoA{card.loa}; ett certifikat förlängs bara på sin egen nivå "
            f"och ett LoA2-kort blir aldrig LoA3 (R4). / Card {number} is LoA{card.loa}; a "
            f"certificate is renewed only at its own level and a LoA2 card never becomes "
            f"LoA3 (R4).",
            rule="R4",
        )
    holder = card.holder
    require_employment(holder, ctx.organisation, day)  # R3
    refuse_second_renewal(ctx.session, number)  # R9, R4: one renewal at a time
    current = ctx.session.scalars(
        select(Certificate)
        .where(Certificate.card_number == number)
        .order_by(Certificate.valid_until.desc())
    ).first()
    assert current is not None  # an issued card has its issuing certificate
    opens = next_service_desk_opening(now, ctx.policy.calendar)
    data = {
        **holder_fields(holder),
        "loa": 3,
        "card_number": number,
        "certificate_valid_until": current.valid_until.isoformat(),
        "valid_until": to_local(current.valid_until).isoformat(),
        "requested_by": ctx.actor.username,
        "in_service_hours": opens == now,
        "service_opens_at": opens.isoformat(),
    }
    decision = PolicyDecision(
        "R9",
        f"TjänsteID förlänger från {to_local(opens).isoformat()} / The service desk renews "
        f"from {to_local(opens).isoformat()}",
        {"service_opens_at": opens.isoformat()},
    )
    return ActionResult(data, [decision], holder, number, subject=card_subject(number))


ACTIONS: dict[str, Action] = {
    "issue_at_station": issue_at_station,
    "select_card_for_renewal": select_card_for_renewal,
}
