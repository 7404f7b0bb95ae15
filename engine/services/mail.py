"""E-mails the processes send, queued in the outbox in the step's own transaction.

Here a message is only a row, so a rolled-back step never sends anything. The worker
delivers the rows afterwards (engine.services.delivery: SMTP or .eml files, retries, dead
letters, incidents), each linked to its case in the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from engine.clock import Clock
from engine.errors import Invalid
from engine.model import AdminRight
from engine.model import Case
from engine.model import OutboxMessage
from engine.model import Person
from engine.model.revocations import REVOKE_EMPLOYMENT_CARDS
from engine.model.revocations import REVOKE_UNACTIVATED_CARD
from engine.policy.timekeeping import format_local
from engine.policy.timekeeping import to_local
from engine.rights import ROLE_GRANTED_BY
from engine.rights import people_with_role

SEND_EMAIL = "send_email"
# R19: revoke_employment_cards (engine.services.employment_end) revokes at an employment end.
SERVICE_OPERATIONS = (SEND_EMAIL, REVOKE_EMPLOYMENT_CARDS, REVOKE_UNACTIVATED_CARD)
RECIPIENTS = (
    "holder",
    "remote_admins_of_holder_organisation",
    "case_starter",
    "loa2_admins_of_case_organisation",  # loa2-onsite's renewal loop (R5, R11)
    "next_attester",  # forgotten-card (R20): the colleague whose turn it is to attest
)

TEMPLATES: dict[str, tuple[str, str]] = {
    "renewal_reminder": (
        "Påminnelse: LoA2-certifikatet för {holder_name} går ut {valid_until} / "
        "Reminder: the LoA2 certificate of {holder_name} expires {valid_until}",
        "Certifikatet på reservkort {card_number} för {holder_name} går ut {valid_until}. "
        "Begär förlängning i sithsflow (ärende {case_id}) om det behövs; TjänsteID förlänger "
        "utanför kontorstid (R11, R12, R15).\n\n"
        "The certificate on reserve card {card_number} of {holder_name} expires {valid_until}. "
        "Request a renewal in sithsflow (case {case_id}) if it is still needed (R11, R12, R15).",
    ),
    "certificate_renewed": (
        "Ditt reservkortscertifikat är förlängt – uppdatera det på SITHS Mina sidor / "
        "Your reserve-card certificate was renewed – update it on SITHS Mina sidor",
        "Hej {holder_name},\n\nCertifikatet på ditt reservkort {card_number} är förlängt till "
        "{valid_until}. Logga in på SITHS Mina sidor och uppdatera certifikatet på kortet (R15).\n\n"
        "The certificate on your reserve card {card_number} was renewed until {valid_until}. "
        "Log in to SITHS Mina sidor and update the certificate on the card (R15).",
    ),
    # R20: the attester learns that a colleague waits for them, outside office hours (R12).
    "attestation_requested": (
        "Intyga identiteten för {holder_name} (glömt SITHS-kort) / "
        "Attest the identity of {holder_name} (forgotten SITHS card)",
        "Hej,\n\n{holder_name} har glömt sitt SITHS-kort och har angett dig som "
        'intygsgivare. Öppna ärende {case_id} i sithsflow under "Steg som är dina" och '
        "intyga identiteten när ni ses; kortet utfärdas när båda intygsgivarna har intygat "
        "(R20).\n\n"
        "{holder_name} forgot their SITHS card and named you as an attester. Open case "
        '{case_id} in sithsflow under "Steps assigned to you" and attest their identity '
        "when you meet; the card is issued once both attesters have attested (R20).",
    ),
    # R16: an ordinary card not activated within 100 days of mailing is revoked.
    "activation_reminder": (
        "Påminnelse: aktivera ditt SITHS-kort {card_number} / "
        "Reminder: activate your SITHS card {card_number}",
        "Hej {holder_name},\n\nDitt SITHS-kort {card_number} är inte aktiverat. Aktivera det "
        "personligen hos en ID-administratör med giltig legitimation före {lapse_at}; annars "
        "spärras kortet automatiskt och beställningen avbryts (R16).\n\n"
        "Your SITHS card {card_number} is not activated. Activate it in person with an ID "
        "administrator, with valid ID, before {lapse_at}; otherwise the card is revoked "
        "automatically and the order cancelled (R16).",
    ),
}


def check_email_params(params: Mapping[str, Any]) -> None:
    """Deploy-time check of a send_email service task's parameters."""
    if params.get("template") not in TEMPLATES:
        raise Invalid(f"Okänd e-postmall {params.get('template')!r}. / Unknown e-mail template.")
    if params.get("to") not in RECIPIENTS:
        raise Invalid(f"Okänd mottagare {params.get('to')!r}. / Unknown recipient.")


def _recipients(
    session: Session, clock: Clock, case: Case, to: str, data: Mapping[str, Any]
) -> list[Person]:
    if to == "next_attester":  # R20: a user name in the case data, as the task's assignee
        named = str(data.get("next_attester") or "")
        return list(session.scalars(select(Person).where(Person.username == named)))
    if to == "holder":
        return [case.holder] if case.holder is not None else []
    if to == "case_starter":
        return [case.started_by]
    day = to_local(clock.now()).date()
    role = "loa2_admin" if to == "loa2_admins_of_case_organisation" else "remote_admin"
    # Only people holding a right that can grant the role are read (with their rights, in
    # one more statement), not every user of the region; has_role then decides as always.
    holders = select(AdminRight.person_id).where(AdminRight.right.in_(ROLE_GRANTED_BY[role]))
    people = session.scalars(
        select(Person)
        .where(Person.username.is_not(None), Person.id.in_(holders))
        .options(selectinload(Person.rights))
    ).all()
    return people_with_role(people, role, day, case.organisation)


def queue_email(
    session: Session, clock: Clock, case: Case, params: Mapping[str, Any], data: Mapping[str, Any]
) -> list[OutboxMessage]:
    check_email_params(params)
    subject_template, body_template = TEMPLATES[str(params["template"])]
    values = {
        "holder_name": data.get("holder_name", ""),
        "card_number": data.get("card_number", ""),
        "valid_until": _local(data.get("certificate_valid_until")),
        "lapse_at": _local(data.get("lapse_at")),  # R16
        "case_id": case.id,
    }
    messages = []
    for person in _recipients(session, clock, case, str(params["to"]), data):
        address = person.email or f"{person.username or person.identity_number}@invalid"
        message = OutboxMessage(
            to_address=address,
            subject=subject_template.format(**values),
            body=body_template.format(**values),
            case_id=case.id,
            created_at=clock.now(),
        )
        session.add(message)
        messages.append(message)
    return messages


def _local(iso: Any) -> str:
    return format_local(datetime.fromisoformat(iso)) if isinstance(iso, str) else ""
