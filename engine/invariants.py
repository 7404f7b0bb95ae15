"""Rules no model can switch off (S3), checked by the domain actions at run time.

A process owner's BPMN decides the order of the steps, the lanes, the forms and the
timers. It does not decide who may issue what (R5), whether two administrators verify a
LoA3 holder (R6), at which LoA a card is issued (R1, R4) or to whom (R2): a lane, a task property or a
script that says otherwise is ignored here, and the action is refused. Deploy-time checks
refuse such models earlier; these checks hold if one slips through (or was deployed
before those checks existed).

The first verification of a LoA3 case is read from the audit trail (a `policy_decision`
row with rule R6 that the `first_verification` action writes), not from the case data:
scripts in the model can write case data, never the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import lazyload

from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.identifiers import normal_card_number
from engine.model import AuditEvent
from engine.model import Case
from engine.model import Organisation
from engine.model import Person
from engine.model import ReserveCard
from engine.model.cards import CARD_IN_STOCK
from engine.model.cards import CARD_REVOKED
from engine.policy.timekeeping import to_local
from engine.rights import rights_granting
from engine.rights import role_label
from engine.runner.definitions import has_deadline_timer
from engine.state_words import card_state_words

LOA3_ROLE = "loa3_admin"
LOA2_ROLE = "loa2_admin"
SERVICE_DESK_ROLE = "service_desk"
# Actions that put a certificate on a card: their LoA never defaults (S3).
ISSUE_ACTION = "issue_reserve_card"
RENEW_ACTION = "renew_certificate"
CERTIFICATE_ACTIONS = frozenset({ISSUE_ACTION, RENEW_ACTION})
# The audit detail that marks the first verification of a LoA3 case (R6).
FIRST_VERIFICATION_MARK = "first"
SECOND_VERIFICATION_MARK = "second"

# R5 (and R15, R9 for renewals): the roles whose rights allow each kind of step.
_MAY_ISSUE: dict[int, tuple[str, ...]] = {3: (LOA3_ROLE,), 2: (LOA2_ROLE, SERVICE_DESK_ROLE)}
_MAY_RENEW: dict[int, tuple[str, ...]] = {
    3: (LOA3_ROLE, SERVICE_DESK_ROLE),
    2: (LOA2_ROLE, SERVICE_DESK_ROLE),
}


@dataclass(frozen=True)
class FirstVerification:
    """Who verified a LoA3 holder first, and when (R6, R7)."""

    person: Person
    at: datetime


def certificate_loa(properties: dict[str, str], action: str) -> int:
    """The LoA a task issues or renews at: its `loa` property, 2 or 3, never a default.

    A model without it (or with `loa="4"`) is refused at run time, whatever deploy let
    through, so no card is ever issued at a level nobody chose (S3, R1).
    """
    raw = properties.get("loa")
    if raw is None or not raw.strip():
        raise Invalid(
            f"Processens steg '{action}' anger ingen tillitsnivå (egenskapen loa); inget kort "
            f"utfärdas. Kontakta processägaren (S3). / The process step '{action}' names no level "
            f"of assurance (property loa); no card is issued. Contact the process owner (S3).",
            rule="S3",
        )
    if raw.strip() not in ("2", "3"):
        raise Invalid(
            f"Processens steg '{action}' anger tillitsnivå '{raw}'; SITHS har bara LoA2 och LoA3 "
            f"(R1). / The process step '{action}' names level of assurance '{raw}'; SITHS has "
            f"only LoA2 and LoA3 (R1).",
            rule="R1",
        )
    return int(raw.strip())


def require_case_loa(case_data: dict[str, object], loa: int) -> None:
    """R1: a case verified for one LoA (its start action says which) issues at that LoA."""
    started_for = case_data.get("loa")
    if started_for is None or str(started_for) == str(loa):
        return
    raise NotPermitted(
        f"Ärendet gäller LoA{started_for} men steget utfärdar LoA{loa}; ett reservkorts "
        f"tillitsnivå kommer av hur det utfärdas och kan inte bytas i ärendet (R1, R4). / The "
        f"case is for LoA{started_for} but the step issues LoA{loa}; a reserve card's level "
        f"comes from how it is issued and cannot change within the case (R1, R4).",
        rule="R1",
    )


def require_loa3_verifier(actor: Person, organisation: Organisation, day: date) -> None:
    """R5: only a trained and approved LoA3 ID administrator verifies a LoA3 holder."""
    if not rights_granting(actor, LOA3_ROLE, day, organisation):
        raise NotPermitted(_lacks(actor, (LOA3_ROLE,), organisation, "LoA3"), rule="R5")


def require_may_issue(
    actor: Person, organisation: Organisation, loa: int, day: date, *, renewal: bool
) -> str:
    """R5/R15: the role the actor issues or renews with, whatever the task's lane says.

    LoA3 issuance needs a LoA3 right in force (trained and approved); LoA2 issuance and
    renewal an ID administrator's right (LoA2 or higher) at a card station, or the service
    desk's (R15); a LoA3 renewal a LoA3 administrator or the service desk (R9). A remote reserve-card administrator only
    orders, never issues.
    """
    roles = (_MAY_RENEW if renewal else _MAY_ISSUE)[loa]
    for role in roles:
        rights = rights_granting(actor, role, day, organisation)
        if role == LOA2_ROLE:
            # An ID administrator issues LoA2 in person, at a card station (R5); remotely
            # ordered LoA2 is the service desk's (R15).
            rights = [right for right in rights if right.station_id is not None]
        if rights:
            return role
    raise NotPermitted(_lacks(actor, roles, organisation, f"LoA{loa}", renewal=renewal), rule="R5")


def require_station_admin(actor: Person, organisation: Organisation, day: date) -> str:
    """R5: LoA2 issued on site needs an ID administrator's right (LoA2 or higher) at a card
    station, whatever the start event's lane says (S3); returns the station's code. The
    service desk and remote reserve-card administrators never verify identity in person."""
    for right in rights_granting(actor, LOA2_ROLE, day, organisation):
        if right.station is not None:
            return right.station.code
    raise NotPermitted(_lacks(actor, (LOA2_ROLE,), organisation, "LoA2"), rule="R5")


def first_verification_of(session: Session, case: Case) -> FirstVerification | None:
    """The first verification of a LoA3 case as the audit trail recorded it, if any."""
    for actor, at in _first_verifications(session, case):
        # The verifier is judged by their rights (R5); employments load only if read.
        person = session.scalars(_VERIFIER, {"username": actor}).unique().first()
        if person is not None:
            return FirstVerification(person, at)
    return None


def _first_verifications(session: Session, case: Case) -> Iterator[tuple[str, datetime]]:
    """(actor, instant) of each audit row marking a first verification, oldest first; only
    the columns read, so the queue projection pays one small query for it."""
    for actor, at, details in session.execute(_R6_DECISIONS, {"case_id": case.id}):
        if json.loads(details or "{}").get("verification") == FIRST_VERIFICATION_MARK:
            yield actor, at


def require_second_verifier(session: Session, case: Case, actor: Person) -> FirstVerification:
    """R6: LoA3 is issued by a second LoA3 administrator, never the first one.

    The first administrator must have held a LoA3 right in force for the case's
    organisation on the day of the first verification (R5), whatever lane that step had.
    """
    first = first_verification_of(session, case)
    if first is None:
        raise NotPermitted(
            "Ärendet har ingen första identitetskontroll av en LoA3-behörig ID-administratör; "
            "LoA3 utfärdas bara av två olika sådana (R6). / The case has no first identity "
            "verification by a LoA3-authorised ID administrator; LoA3 is issued only by two "
            "different ones (R6).",
            rule="R6",
        )
    if first.person.id == actor.id:
        raise NotPermitted(
            "Andra verifieringen måste göras av en annan ID-administratör än den första (R6). / "
            "The second verification must be made by another ID administrator than the first "
            "(R6).",
            rule="R6",
        )
    first_day = to_local(first.at).date()
    if not rights_granting(first.person, LOA3_ROLE, first_day, case.organisation):
        name = first.person.username
        raise NotPermitted(
            f"Den första identitetskontrollen gjordes av {name}, som inte hade LoA3-behörighet "
            f"{first_day.isoformat()}; LoA3 kräver två LoA3-behöriga ID-administratörer (R5, R6). "
            f"/ The first identity verification was made by {name}, who held no LoA3 right on "
            f"{first_day.isoformat()}; LoA3 needs two LoA3-authorised ID administrators (R5, R6).",
            rule="R6",
        )
    return first


def require_deadline(case: Case) -> None:
    """R7: a LoA3 case's version must give the second verification a deadline (its timer).

    The length is the model's (5 days in version 1, "P5D"); that there is one is not.
    """
    if not has_deadline_timer(case.process_version.spec_json, "R7"):
        raise NotPermitted(
            f"Processversionen {case.process_version.label} ger andra verifieringen ingen "
            f"tidsfrist (en timer med regel R7); LoA3 utfärdas inte utan den (R7). Kontakta "
            f"processägaren. / Process version {case.process_version.label} gives the second "
            f"verification no deadline (a timer with rule R7); LoA3 is not issued without one "
            f"(R7). Contact the process owner.",
            rule="R7",
        )


def excluded_person_id(session: Session, case: Case, properties: dict[str, str]) -> int | None:
    """Who may not work a new task (R6), for the queue projection.

    A task that issues LoA3 excludes the case's first verifier whatever its properties
    say; otherwise `four_eyes="start"` excludes the administrator who started the case.
    """
    if properties.get("action") == ISSUE_ACTION and properties.get("loa", "").strip() != "2":
        for actor, _ in _first_verifications(session, case):
            person_id = session.scalar(_PERSON_ID_BY_USERNAME, {"username": actor})
            if person_id is not None:
                return int(person_id)
        return case.started_by_id
    return case.started_by_id if properties.get("four_eyes") == "start" else None


def card_from_stock(session: Session, number: str, holder: Person, loa: int) -> ReserveCard:
    """R2: a card goes to one holder ever; R4: a LoA2 card never becomes LoA3."""
    number = normal_card_number(number)
    card = session.get(ReserveCard, number)
    if card is None:
        raise NotFound(
            f"Kortet {number} finns inte i kortlagret. / Card {number} is not in the card stock."
        )
    if card.state == CARD_REVOKED:
        raise NotPermitted(revoked_card_message(number), rule="R2")
    if card.holder_id is not None and card.holder_id != holder.id:
        raise NotPermitted(
            f"Kortet {number} är redan utfärdat till en annan person; ett reservkort utfärdas "
            f"till en person, en gång (R2). / Card {number} was already issued to another "
            f"person; a reserve card goes to one person, ever (R2).",
            rule="R2",
        )
    if card.loa == 2 and loa == 3:
        raise NotPermitted(
            f"Kortet {number} är utfärdat på LoA2 och kan inte uppgraderas till LoA3; använd ett "
            f"nytt reservkort (R4). / Card {number} was issued at LoA2 and cannot be upgraded to "
            f"LoA3; use a new reserve card (R4).",
            rule="R4",
        )
    if card.state != CARD_IN_STOCK:
        raise Conflict(
            f"Kortet {number} är inte blankt i lager (det är {card_state_words(card.state)[0]}). / "
            f"Card {number} is not blank in stock (it is {card_state_words(card.state)[1]})."
        )
    return card


def revoked_card_message(number: str) -> str:
    """R2, R19: a revoked card is never issued nor renewed again."""
    return (
        f"Kortet {number} är spärrat och utfärdas eller förnyas aldrig igen; använd ett nytt "
        f"reservkort (R2, R19). / Card {number} is revoked and is never issued or renewed "
        f"again; use a new reserve card (R2, R19)."
    )


def _lacks(
    actor: Person,
    roles: tuple[str, ...],
    organisation: Organisation,
    level: str,
    *,
    renewal: bool = False,
) -> str:
    what_sv = "förnya certifikat" if renewal else "utfärda reservkort"
    what_en = "renew certificates" if renewal else "issue reserve cards"
    if roles == (LOA3_ROLE,) and not renewal and level == "LoA3":
        what_sv, what_en = "styrka identitet för och utfärda reservkort", "verify and issue"
    sv_roles = " eller ".join(
        role_label(role, "sv") + (" vid en kortstation" if role == LOA2_ROLE else "")
        for role in roles
    )
    en_roles = " or ".join(
        role_label(role, "en") + (" at a card station" if role == LOA2_ROLE else "")
        for role in roles
    )
    return (
        f"{actor.username} får inte {what_sv} på {level} för {organisation.name}: det kräver "
        f"behörighet som {sv_roles} (R5). / {actor.username} may not {what_en} at {level} for "
        f"{organisation.name}: that needs the right of a {en_roles} (R5)."
    )


# Built once so SQLAlchemy reuses their cache keys.
_R6_DECISIONS = (
    select(AuditEvent.actor, AuditEvent.at_utc, AuditEvent.details_json)
    .where(
        AuditEvent.case_id == bindparam("case_id"),
        AuditEvent.action == "policy_decision",
        AuditEvent.rule == "R6",
    )
    .order_by(AuditEvent.id)
)
_VERIFIER = (
    select(Person)
    .where(Person.username == bindparam("username"))
    .options(joinedload(Person.rights), lazyload(Person.employments))
)
_PERSON_ID_BY_USERNAME = select(Person.id).where(Person.username == bindparam("username"))
