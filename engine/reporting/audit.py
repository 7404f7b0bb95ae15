"""Audit extract: every recorded action about one case, one card or one holder.

What an auditor of the national authority asks for: who did what and when (UTC and local
time), in which role, under which process, policy and calendar versions, whether the clock
was set, and which dispensation a step relied on. A card's or holder's extract also takes
the rows of their cases written before the card number or holder was known (a LoA3 case's
first verification has no card number yet).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Invalid
from engine.errors import NotFound
from engine.identifiers import normal_card_number
from engine.identifiers import normal_username
from engine.model import AuditEvent
from engine.model import Case
from engine.model import Certificate
from engine.model import Person
from engine.model import ReserveCard
from engine.policy.identity import parse_identity_number
from engine.reporting.common import Period
from engine.reporting.common import person_label
from engine.reporting.common import stream
from engine.services.read_scope import ReadScope
from engine.services.read_scope import audit_rows_in_scope

_LOOKS_LIKE_NUMBER = re.compile(r"^[0-9+\- ]+$")


@dataclass(frozen=True)
class AuditSubject:
    """What the extract is about, as the first lines of the report describe it."""

    kind: str  # "case", "card" or "holder"
    key: str
    description: tuple[tuple[str, str], ...]  # (label key, value) pairs


@dataclass(frozen=True)
class AuditRow:
    id: int
    at_utc: datetime
    at_local: str
    actor: str
    role: str | None
    action: str
    case_id: int | None
    task: str | None
    card_number: str | None
    rule: str | None
    message: str
    process_version: str | None
    policy_version: str
    calendar_version: str
    clock_source: str
    dispensation: str | None
    # What the step's form held, as entered (key, value): both LoA3 administrators'
    # identity documents live here, not in the case data that the second overwrote.
    fields: tuple[tuple[str, str], ...] = ()


def entered_fields(details_json: str) -> tuple[tuple[str, str], ...]:
    """The `fields` an audit row's details hold (start and complete rows), in form order."""
    try:
        details = json.loads(details_json or "{}")
    except ValueError:
        return ()
    fields = details.get("fields") if isinstance(details, dict) else None
    if not isinstance(fields, dict):
        return ()
    return tuple((str(key), "" if value is None else str(value)) for key, value in fields.items())


@dataclass
class AuditSummary:
    total: int = 0
    by_action: Counter[str] = field(default_factory=Counter)
    refusals: int = 0
    set_clock: int = 0
    dispensations: Counter[str] = field(default_factory=Counter)

    def add(self, row: AuditRow) -> None:
        self.total += 1
        self.by_action[row.action] += 1
        self.refusals += row.action.startswith("refused:")
        self.set_clock += row.clock_source != "system"
        if row.dispensation:
            self.dispensations[row.dispensation] += 1


def resolve_subject(
    session: Session, *, case_id: int | None, card: str | None, holder: str | None, on: date
) -> tuple[AuditSubject, ColumnElement[bool]]:
    """The subject and the filter on audit rows; exactly one of the three is given."""
    given = [x for x in (case_id, card, holder) if x is not None]
    if len(given) != 1:
        raise Invalid(
            "Ange precis ett av --case, --card och --holder för granskningsutdraget. / "
            "Give exactly one of --case, --card and --holder for the audit extract."
        )
    if case_id is not None:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"Inget ärende med id {case_id}. / No case with id {case_id}.")
        holder_text = (
            person_label(
                case.holder.username, case.holder.identity_number, case.holder.display_name
            )
            if case.holder
            else "–"
        )
        subject = AuditSubject(
            "case",
            str(case_id),
            (
                ("process", case.process_version.label),
                ("holder", holder_text),
                ("case_state", case.state),
                ("organisation", case.organisation.name),
            ),
        )
        return subject, AuditEvent.case_id == case_id
    if card is not None:
        number = normal_card_number(card)
        found = session.get(ReserveCard, number)
        if found is None:
            raise NotFound(f"Inget kort med nummer {number}. / No card numbered {number}.")
        owner = found.holder
        subject = AuditSubject(
            "card",
            number,
            (
                (
                    "holder",
                    person_label(owner.username, owner.identity_number, owner.display_name)
                    if owner
                    else "–",
                ),
                ("loa", f"LoA{found.loa}" if found.loa else "–"),
                ("card_state", found.state),
            ),
        )
        cases = select(Certificate.case_id).where(
            Certificate.card_number == number, Certificate.case_id.is_not(None)
        )
        return subject, or_(AuditEvent.card_number == number, AuditEvent.case_id.in_(cases))
    assert holder is not None
    person = _find_holder(session, holder.strip(), on)
    keys = [k for k in (person.username, person.identity_number) if k]
    subject = AuditSubject(
        "holder",
        holder.strip(),
        (("holder", person_label(person.username, person.identity_number, person.display_name)),),
    )
    cases = select(Case.id).where(Case.holder_id == person.id)
    return subject, or_(AuditEvent.holder.in_(keys), AuditEvent.case_id.in_(cases))


def _find_holder(session: Session, text: str, on: date) -> Person:
    if _LOOKS_LIKE_NUMBER.match(text):
        number = parse_identity_number(text, on=on).number
        person = session.scalars(select(Person).where(Person.identity_number == number)).first()
    else:
        username = normal_username(text)
        person = session.scalars(select(Person).where(Person.username == username)).first()
    if person is None:
        raise NotFound(f"Ingen person '{text}' i katalogen. / No person '{text}' in the directory.")
    return person


class AuditExtract:
    """Streams the audit rows matching `where`, oldest first; read `summary` after."""

    def __init__(
        self,
        session: Session,
        where: ColumnElement[bool],
        period: Period | None,
        *,
        scope: ReadScope | None = None,
    ) -> None:
        self._session = session
        self._scope = scope
        self._where = where
        self._period = period
        self.summary = AuditSummary()

    def rows(self) -> Iterator[AuditRow]:
        query = select(AuditEvent).where(self._where).order_by(AuditEvent.at_utc, AuditEvent.id)
        if self._scope is not None:
            query = audit_rows_in_scope(query, self._scope)  # S2
        if self._period is not None:
            query = query.where(
                AuditEvent.at_utc >= self._period.start, AuditEvent.at_utc < self._period.end
            )
        for (event,) in stream(self._session, query):
            row = AuditRow(
                id=event.id,
                at_utc=event.at_utc,
                at_local=event.at_local,
                actor=event.actor,
                role=event.role,
                action=event.action,
                case_id=event.case_id,
                task=event.task_name,
                card_number=event.card_number,
                rule=event.rule,
                message=event.message,
                process_version=event.process_version,
                policy_version=event.policy_version,
                calendar_version=event.calendar_version,
                clock_source=event.clock_source,
                dispensation=event.dispensation,
                fields=entered_fields(event.details_json),
            )
            self.summary.add(row)
            yield row
