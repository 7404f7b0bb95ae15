"""Read-only look-ups for the pages: search, a person, a card's history, a case's diagram.

Complements engine.services.queries (whose answers the CLI contract fixes) with what a
person at a card station or the service desk asks: "which card does Frida hold?",
"what happened to RK000002?", "where is this case in its process?".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import tuple_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from engine.errors import NotFound
from engine.identifiers import normal_card_number
from engine.identifiers import normal_username
from engine.model import AuditEvent
from engine.model import Case
from engine.model import Person
from engine.model import ReserveCard
from engine.model.cases import TASK_COMPLETED
from engine.model.cases import TASK_READY
from engine.model.cases import TIMER_FIRED
from engine.model.cases import Timer
from engine.policy.timekeeping import to_local
from engine.services.paging import Page
from engine.services.paging import decode_cursor
from engine.services.paging import page_size
from engine.services.paging import split_page
from engine.services.read_scope import CARD_CLAUSE
from engine.services.read_scope import CASE_CLAUSE
from engine.services.read_scope import PERSON_CLAUSE
from engine.services.read_scope import Reader
from engine.services.read_scope import ReadScope
from engine.services.read_scope import not_found
from engine.services.read_scope import parameters
from engine.services.read_scope import readable
from engine.services.read_scope import require_case_readable
from engine.services.read_scope import scope_of
from engine.services.runtime import Runtime

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "card" or "person"
    key: str  # card number or person id
    label: str
    detail: str


@dataclass(frozen=True)
class SearchResults:
    """One page of hits: cards (first page only) then people by name; `next_cursor` pages
    on through the people."""

    hits: tuple[SearchHit, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class CasePosition:
    """A case's process source and which BPMN elements are done, current or reached."""

    process_id: str
    # Every BPMN file deployed together, one after another (engine.services.deploy).
    source_xml: str
    ready: frozenset[str]
    completed: frozenset[str]
    # Ready task id -> the user four-eyes keeps away from it (R6).
    excluded: dict[str, str]


def search(
    runtime: Runtime,
    text: str,
    *,
    limit: int | None = None,
    cursor: str | None = None,
    reader: Reader | None = None,
) -> SearchResults:
    """Cards by number (a prefix is enough) and people by user name or personal number
    (exact, or the number's prefix) or a part of their name, each through an index; with a
    `reader`, only the cards and people of their S2 scope."""
    text = text.strip()
    if not text:
        return SearchResults((), None)
    size = page_size(limit, SEARCH_LIMIT)
    with runtime.database.sessions() as session:
        scope = scope_of(session, reader)
        cards = [] if cursor else _cards(session, text, size, scope)
        people = _people(session, text, size, cursor, scope)
        return SearchResults(tuple(cards) + people.items, people.next_cursor)


def _cards(session: Session, text: str, size: int, scope: ReadScope | None) -> list[SearchHit]:
    """Card numbers from a prefix, on the primary key's order (one statement)."""
    holder = aliased(Person)
    query = (
        select(ReserveCard.number, ReserveCard.state, holder.display_name)
        .outerjoin(holder, holder.id == ReserveCard.holder_id)
        .where(_starts_with(ReserveCard.number, text.upper()))
        .order_by(ReserveCard.number)
        .limit(size)
    )
    query = readable(query, CARD_CLAUSE, scope)
    return [
        SearchHit("card", row.number, row.number, f"{row.state} · {row.display_name or '—'}")
        for row in session.execute(query, parameters(scope))
    ]


def _people(
    session: Session, text: str, size: int, cursor: str | None, scope: ReadScope | None
) -> Page[SearchHit]:
    """Exact user name, a personal number's prefix, or a substring of the name (on
    PostgreSQL the trigram index of migration 0005), in keyset order of (name, id)."""
    conditions = [
        Person.username == normal_username(text),
        func.lower(Person.display_name).like(f"%{_escape_like(text.lower())}%", escape="\\"),
    ]
    number = _number_prefix(text)
    if number:
        conditions.append(_starts_with(Person.identity_number, number))
    query = select(Person.id, Person.display_name, Person.identity_number, Person.username)
    query = query.where(or_(*conditions))
    if cursor:
        name, person_id = decode_cursor(cursor, (str, int))
        query = query.where(tuple_(Person.display_name, Person.id) > tuple_(name, person_id))
    query = readable(query, PERSON_CLAUSE, scope)
    query = query.order_by(Person.display_name, Person.id).limit(size + 1)
    hits = [
        (row.display_name, row.id, row.identity_number or row.username or "")
        for row in session.execute(query, parameters(scope))
    ]
    page = split_page(hits, size, lambda hit: (hit[0], hit[1]))
    return Page(
        tuple(SearchHit("person", str(pid), name, detail) for name, pid, detail in page.items),
        page.next_cursor,
    )


def _number_prefix(text: str) -> str | None:
    """'19850315', '198503151238' or '19850315-12' as the stored 'YYYYMMDD-NNNN' prefix."""
    digits = text.replace("-", "").replace("+", "").replace(" ", "")
    if len(digits) < 6 or not digits.isdigit():
        return None
    return digits[:8] + ("-" + digits[8:12] if len(digits) > 8 else "")


def _starts_with(column: InstrumentedAttribute[Any], prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as a range the column's plain b-tree index answers on
    both databases (a LIKE prefix needs a C collation or a pattern-ops index on PostgreSQL)."""
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < after)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_PERSON = select(Person).where(Person.id == bindparam("person_id"))


def show_person(
    runtime: Runtime, person_id: int, *, reader: Reader | None = None
) -> dict[str, Any]:
    """A person with their employments, rights, cards and cases; with a `reader`, only a
    person of their S2 scope, and of that person's cards and cases only those in it too."""
    with runtime.database.sessions() as session:
        scope = scope_of(session, reader)
        values = parameters(scope)
        person = session.scalars(
            readable(_PERSON, PERSON_CLAUSE, scope), {"person_id": person_id, **values}
        ).first()
        if person is None:
            if scope is not None:
                raise not_found(
                    f"Ingen person med id {person_id}", f"No person with id {person_id}"
                )
            raise NotFound(f"Ingen person med id {person_id}. / No person with id {person_id}.")
        cards = session.scalars(
            readable(select(ReserveCard), CARD_CLAUSE, scope)
            .where(ReserveCard.holder_id == person.id)
            .order_by(ReserveCard.number),
            values,
        ).all()
        # The columns shown, never the workflow state (ix_cases_holder_id finds the rows).
        cases = session.execute(
            readable(
                select(Case.id, Case.process_id, Case.state, Case.started_at), CASE_CLAUSE, scope
            )
            .where(Case.holder_id == person.id)
            .order_by(Case.id.desc()),
            values,
        ).all()
        return {
            "id": person.id,
            "username": person.username,
            "display_name": person.display_name,
            "identity_number": person.identity_number,
            "email": person.email,
            "employments": [
                {
                    "organisation": e.organisation.name,
                    "title": e.title,
                    "start_date": e.start_date,
                    "end_date": e.end_date,
                }
                for e in person.employments
            ],
            "rights": [
                {
                    "right": r.right,
                    "organisation": r.organisation.name,
                    "station": r.station.name if r.station else None,
                    "trained_on": r.trained_on,
                    "approved_on": r.approved_on,
                    "valid_from": r.valid_from,
                    "valid_to": r.valid_to,
                }
                for r in person.rights
            ],
            "cards": [{"number": c.number, "loa": c.loa, "state": c.state} for c in cards],
            "cases": [
                {"id": c.id, "process": c.process_id, "state": c.state, "started_at": c.started_at}
                for c in cases
            ],
        }


def person_id_of(runtime: Runtime, username: str, *, reader: Reader | None = None) -> int:
    """The person page of a holder label shown on a case or card (S2 with a `reader`)."""
    username = normal_username(username)
    with runtime.database.sessions() as session:
        scope = scope_of(session, reader)
        query = select(Person.id).where(
            or_(Person.username == username, Person.identity_number == username)
        )
        found = session.scalars(readable(query, PERSON_CLAUSE, scope), parameters(scope)).first()
        if found is None:
            if scope is not None:
                raise not_found(f"Ingen person '{username}'", f"No person '{username}'")
            raise NotFound(f"Okänd person '{username}'. / Unknown person '{username}'.")
        person_id: int = found
        return person_id


def card_history(
    runtime: Runtime, number: str, *, reader: Reader | None = None
) -> list[dict[str, Any]]:
    """The audit rows that name the card, oldest first (issuance records are kept 10 years);
    with a `reader`, none unless the card is in their S2 scope."""
    with runtime.database.sessions() as session:
        scope = scope_of(session, reader)
        query = select(AuditEvent).where(AuditEvent.card_number == normal_card_number(number))
        if scope is not None:
            in_scope = select(ReserveCard.number).where(
                ReserveCard.number == AuditEvent.card_number, CARD_CLAUSE
            )
            query = query.where(in_scope.exists())
        events = session.scalars(query.order_by(AuditEvent.id), parameters(scope)).all()
        return [
            {
                "at": to_local(e.at_utc),
                "actor": e.actor,
                "action": e.action,
                "case": e.case_id,
                "task": e.task_name,
                "rule": e.rule,
                "message": e.message,
            }
            for e in events
        ]


def case_position(runtime: Runtime, case_id: int, *, reader: Reader | None = None) -> CasePosition:
    """What the diagram highlights: the start and completed tasks done, ready tasks current
    (S2 with a `reader`)."""
    with runtime.database.sessions() as session:
        scope = scope_of(session, reader)
        if scope is not None:
            require_case_readable(session, scope, case_id)
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"Inget ärende med id {case_id}. / No case with id {case_id}.")
        ready = {t.name for t in case.tasks if t.state == TASK_READY}
        completed = {"start"} | {t.name for t in case.tasks if t.state == TASK_COMPLETED}
        fired = session.scalars(
            select(Timer.name).where(Timer.case_id == case.id, Timer.status == TIMER_FIRED)
        ).all()
        completed |= set(fired)
        excluded = {
            t.id: case.started_by.username or ""
            for t in case.tasks
            if t.state == TASK_READY and t.excluded_person_id == case.started_by_id
        }
        return CasePosition(
            case.process_id,
            case.process_version.source_xml,
            frozenset(ready),
            frozenset(completed),
            excluded,
        )
