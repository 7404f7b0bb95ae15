"""S2 read rights: which cases, cards and people a user may read, as SQL.

A user reads a case, card, person, task or report row only inside their scope on the day
(DOMAIN.md S2):

- ID administrators (every LoA), the service desk, managers and auditors: the
  organisations where they hold a right in force, and every unit below them (their cases
  and stock, and the cases and cards of the people employed there);
- a remote reserve-card administrator: the holders employed (that day) in their own unit
  and the unit's cases, and the cases they started;
- process owners: processes and counts, never personal data (nothing here);
- a card user: their own cards (and a case they started themself, e.g. forgotten card);
- an attester (R20): the cases with a step assigned to them by name (a task's
  `assignee`), from the moment that step is theirs, and nothing else of them.

Everyone reads the cases they started. The scope is computed once per request from the
rights the user holds that day (and, in `may_work`'s one recursive query, the units
below them) and becomes a WHERE clause of the query that reads the rows, never a filter
afterwards: a row outside the scope is never read. The clauses are built once per kind
with bound parameters (as `may_work_template` is), so SQLAlchemy reuses their cache keys.

Outside the scope the answer is the same `NotFound` as for a row that does not exist,
with rule S2 (404, or exit 2), so that existence does not leak. `Reader` names who reads;
`None` in its place is the operator at the command line, who reads everything (CONTRACT.md
commands without `--as`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any
from typing import TypeVarTuple

from sqlalchemy import BindParameter
from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm import Session

from engine.errors import DomainError
from engine.errors import NotFound
from engine.model import AuditEvent
from engine.model import Case
from engine.model import CaseTask
from engine.model import Certificate
from engine.model import Employment
from engine.model import Person
from engine.model import ReserveCard
from engine.policy.timekeeping import to_local
from engine.rights import AUDITOR
from engine.rights import ID_ADMIN_FULL
from engine.rights import MANAGER
from engine.rights import REMOTE_RESERVE_ADMIN
from engine.rights import RESERVE_LOA2
from engine.rights import RESERVE_LOA3
from engine.rights import SERVICE_DESK
from engine.services.directory import find_user
from engine.services.may_work import ClaimRule
from engine.services.may_work import check_may_work
from engine.services.may_work import organisations_below

# S2: the rights (engine.rights) that read whole organisations, and the one that reads
# the holders of its own unit. A process owner's and a system administrator's do neither.
ORGANISATION_RIGHTS = frozenset(
    {ID_ADMIN_FULL, RESERVE_LOA3, RESERVE_LOA2, SERVICE_DESK, MANAGER, AUDITOR}
)
UNIT_RIGHTS = frozenset({REMOTE_RESERVE_ADMIN})

Row = TypeVarTuple("Row")

_PERSON = "read_person"
_ORGANISATIONS = "read_organisations"
_UNITS = "read_units"
_DAY = "read_day"


@dataclass(frozen=True)
class Reader:
    """Who reads, and when: the user name and the instant their rights are judged at."""

    username: str
    now: datetime


@dataclass(frozen=True)
class ReadScope:
    """A user's S2 scope at one instant: what the clauses bind."""

    person_id: int
    username: str
    day: date
    # Whole organisations (and the units below them) the user reads.
    organisations: frozenset[int]
    # Remote admin's units: their holders (employed that day) and the units' cases.
    units: frozenset[int]

    def parameters(self) -> dict[str, Any]:
        return {
            _PERSON: self.person_id,
            _ORGANISATIONS: sorted(self.organisations),
            _UNITS: sorted(self.units),
            _DAY: self.day,
        }


def read_scope(session: Session, person: Person, now: datetime) -> ReadScope:
    """`person`'s scope at `now`, from the rights they hold that day (one query for the
    units below).

    A right counts from `valid_from` to `valid_to`. Training and approval (R5) decide
    whether a LoA3 right may issue, not whether its holder belongs to the organisation:
    an administrator whose LoA3 training is not yet recorded still reads her
    organisation's cases and is told R5 when she tries to work a LoA3 task.
    """
    day = to_local(now).date()
    held = [
        right
        for right in person.rights
        if right.valid_from <= day and (right.valid_to is None or day <= right.valid_to)
    ]
    below = organisations_below(session, {right.organisation_id for right in held})
    organisations: set[int] = set()
    units: set[int] = set()
    for right in held:
        covered = below.get(right.organisation_id, {right.organisation_id})
        if right.right in ORGANISATION_RIGHTS:
            organisations |= covered
        elif right.right in UNIT_RIGHTS:
            units |= covered
    return ReadScope(
        person_id=person.id,
        username=person.username or "",
        day=to_local(now).date(),
        organisations=frozenset(organisations),
        units=frozenset(units),
    )


def scope_of(session: Session, reader: Reader | None) -> ReadScope | None:
    """The scope of `reader`; None (everything) for the operator."""
    if reader is None:
        return None
    person = find_user(session, reader.username, employments=False)
    return read_scope(session, person, reader.now)


def _employed_in(organisations: str, *, on_day: bool) -> Select[int]:
    """People with an employment in the bound `organisations` (active on the day if asked)."""
    query = select(Employment.person_id).where(
        Employment.organisation_id.in_(bindparam(organisations, expanding=True))
    )
    if on_day:
        day: BindParameter[date] = bindparam(_DAY)
        query = query.where(
            Employment.start_date <= day,
            or_(Employment.end_date.is_(None), Employment.end_date >= day),
        )
    return query


def _in(column: Any, name: str) -> ColumnElement[bool]:
    expression: ColumnElement[bool] = column.in_(bindparam(name, expanding=True))
    return expression


def _holders_in_scope(holder: Any) -> ColumnElement[bool]:
    """The holder is employed in one of the organisations (ever) or, for a remote admin,
    in their unit on the day."""
    return and_(
        holder.is_not(None),
        or_(
            holder.in_(_employed_in(_ORGANISATIONS, on_day=False)),
            holder.in_(_employed_in(_UNITS, on_day=True)),
        ),
    )


def _attested_cases() -> Select[int]:
    """R20: the cases with a step assigned to the reader by name (an attester's)."""
    return select(CaseTask.case_id).where(CaseTask.assignee_id == bindparam(_PERSON))


def _case_template() -> ColumnElement[bool]:
    return or_(
        Case.started_by_id == bindparam(_PERSON),
        Case.id.in_(_attested_cases()),
        _in(Case.organisation_id, _ORGANISATIONS),
        _in(Case.organisation_id, _UNITS),
        _holders_in_scope(Case.holder_id),
    )


def _card_template() -> ColumnElement[bool]:
    return or_(
        ReserveCard.holder_id == bindparam(_PERSON),
        _in(ReserveCard.organisation_id, _ORGANISATIONS),
        _holders_in_scope(ReserveCard.holder_id),
    )


def _person_template() -> ColumnElement[bool]:
    return or_(
        Person.id == bindparam(_PERSON),
        Person.id.in_(_employed_in(_ORGANISATIONS, on_day=False)),
        Person.id.in_(_employed_in(_UNITS, on_day=True)),
    )


def _personal_case_template() -> ColumnElement[bool]:
    """CASE_CLAUSE for a reader who holds no right (a card user, an attester): the cases
    they started or attest, as one IN over a small set, so that the database walks those
    few cases rather than every case in id order testing the whole OR for each."""
    personal = union(
        select(Case.id).where(Case.started_by_id == bindparam(_PERSON)),
        _attested_cases(),
    )
    return Case.id.in_(personal)


# Built once so SQLAlchemy reuses their cache keys; each request only binds its values.
CASE_CLAUSE = _case_template()
PERSONAL_CASE_CLAUSE = _personal_case_template()
CARD_CLAUSE = _card_template()
PERSON_CLAUSE = _person_template()


def case_clause(scope: ReadScope | None) -> ColumnElement[bool]:
    """The case clause for `scope`: PERSONAL_CASE_CLAUSE when it reads no organisation or
    unit (the same rows as CASE_CLAUSE then), else CASE_CLAUSE."""
    if scope is not None and not scope.organisations and not scope.units:
        return PERSONAL_CASE_CLAUSE
    return CASE_CLAUSE


def readable(
    query: Select[*Row], clause: ColumnElement[bool], scope: ReadScope | None
) -> Select[*Row]:
    """`query` narrowed to `scope` (unchanged for the operator)."""
    return query if scope is None else query.where(clause)


def parameters(scope: ReadScope | None) -> dict[str, Any]:
    """The values `readable`'s clause binds ({} for the operator)."""
    return {} if scope is None else scope.parameters()


def not_found(sv: str, en: str) -> NotFound:
    """S2: the same answer whether the row does not exist or lies outside the scope
    ("Inget ärende med id 7" / "No case with id 7" + "that you may read")."""
    return NotFound(f"{sv} som du får läsa (S2). / {en} that you may read (S2).", rule="S2")


_CASE_IN_SCOPE = select(Case.id).where(Case.id == bindparam("case_id"), CASE_CLAUSE)


def is_case_readable(session: Session, scope: ReadScope, case_id: int) -> bool:
    """Is case `case_id` inside `scope`? (one statement)"""
    values = {"case_id": case_id, **scope.parameters()}
    return session.execute(_CASE_IN_SCOPE, values).first() is not None


def require_case_readable(session: Session, scope: ReadScope, case_id: int) -> None:
    """NotFound (S2) unless case `case_id` is inside `scope`."""
    if not is_case_readable(session, scope, case_id):
        raise not_found(f"Inget ärende med id {case_id}", f"No case with id {case_id}")


def task_not_found(task_id: str) -> NotFound:
    """S2: a task that does not exist and one outside the scope read alike."""
    return not_found(f"Ingen uppgift med id '{task_id}'", f"No task with id '{task_id}'")


def check_may_work_in_scope(
    session: Session,
    task: CaseTask,
    actor: Person,
    now: datetime,
    *,
    claim: ClaimRule = ClaimRule.FREE_OR_MINE,
) -> None:
    """`check_may_work`, except that a task whose case lies outside the actor's S2 scope
    is not found rather than refused, so a refusal never tells that it exists nor names its
    organisation. The scope is read only when the check fails: working a task costs no
    extra statement."""
    try:
        check_may_work(session, task, actor, now, claim=claim)
    except DomainError:
        if not is_case_readable(session, read_scope(session, actor, now), task.case_id):
            raise task_not_found(task.id) from None
        raise


# --- report rows (engine.reporting): one statement each, values bound into it ----------


def _bound(query: Select[*Row], clause: ColumnElement[bool], scope: ReadScope) -> Select[*Row]:
    """`query` narrowed by `clause` with `scope`'s values bound into the statement, for
    statements executed without parameters (the streamed report queries)."""
    return query.where(clause).params(scope.parameters())


_CARDS_IN_SCOPE = select(ReserveCard.number).where(CARD_CLAUSE)
_CASES_IN_SCOPE = select(Case.id).where(CASE_CLAUSE)


def cases_in_scope(query: Select[*Row], scope: ReadScope) -> Select[*Row]:
    """S2 for report rows about cases (`Case` in the statement)."""
    return _bound(query, CASE_CLAUSE, scope)


def certificates_in_scope(query: Select[*Row], scope: ReadScope) -> Select[*Row]:
    """S2 for report rows about certificates: the card they are on is in the scope."""
    return _bound(query, Certificate.card_number.in_(_CARDS_IN_SCOPE), scope)


def card_rows_in_scope(
    query: Select[*Row], card_number: InstrumentedAttribute[str], scope: ReadScope
) -> Select[*Row]:
    """S2 for report rows about a card (e.g. the revocation register, R19): the card is in
    the scope."""
    return _bound(query, card_number.in_(_CARDS_IN_SCOPE), scope)


def audit_rows_in_scope(query: Select[*Row], scope: ReadScope) -> Select[*Row]:
    """S2 for audit rows: about a case or a card in the scope."""
    about = or_(
        AuditEvent.case_id.in_(_CASES_IN_SCOPE), AuditEvent.card_number.in_(_CARDS_IN_SCOPE)
    )
    return _bound(query, about, scope)
