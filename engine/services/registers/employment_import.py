"""The import of a directory export file: one employment a line, as CSV
`personnummer,name,organisation code,from,to` (`to` empty while it runs; a header line
is allowed).

All or nothing: every line is checked first, and a file with a bad line changes nothing
and names each bad line by its number. A dry run says what would change and changes
nothing. A person not yet in the directory is added with the line's name (R3).

An end date the file sets, moves or removes starts, moves or cancels the employment's
`employment-end` case (R19) in the same transaction
(engine.services.employment_end_schedule); a dry run lists those steps too, and takes none.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Invalid
from engine.model import Employment
from engine.model import Organisation
from engine.model import Person
from engine.policy.identity import parse_identity_number
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.employment_end_schedule import PlannedStep
from engine.services.employment_end_schedule import Writer
from engine.services.employment_end_schedule import apply_step
from engine.services.employment_end_schedule import plan_step
from engine.services.registers.common import EMPLOYMENT_OWNERS
from engine.services.registers.common import owner
from engine.services.registers.common import today
from engine.services.registers.employments import kept_organisations
from engine.services.runtime import Runtime

ADD = "add"
CHANGE_END = "change_end"
NEW_PERSON = "new_person"
_MAX_SHOWN = 20


@dataclass(frozen=True)
class ImportChange:
    line: int
    action: str  # "add" (an employment), "change_end", "new_person" (and an employment)
    holder: str
    name: str
    organisation: str
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class BadLine:
    line: int
    message: str


class ImportRejected(Invalid):
    """The file has bad lines; nothing changed."""

    def __init__(self, bad: list[BadLine]) -> None:
        shown = "; ".join(f"rad/line {b.line}: {b.message}" for b in bad[:_MAX_SHOWN])
        more = f" (+{len(bad) - _MAX_SHOWN})" if len(bad) > _MAX_SHOWN else ""
        super().__init__(
            f"Filen har {len(bad)} felaktiga rader; inget ändrades. / The file has {len(bad)} "
            f"bad lines; nothing changed. {shown}{more}",
            rule="R3",
        )
        self.bad = tuple(bad)


@dataclass(frozen=True)
class EndCaseStep:
    """R19: what a line's end date does to the employment's `employment-end` case."""

    line: int
    step: str  # "start", "move" or "cancel" (engine.services.employment_end_schedule)
    holder: str
    organisation: str
    ends_on: date | None
    case_id: int | None  # None for a case a dry run would start


@dataclass(frozen=True)
class ImportResult:
    changes: tuple[ImportChange, ...]
    unchanged: int
    applied: bool
    end_cases: tuple[EndCaseStep, ...] = ()


@dataclass(frozen=True)
class _Line:
    line: int
    number: str
    name: str
    organisation: str
    start: date
    end: date | None


def import_employments(
    runtime: Runtime, clock: Clock, actor: str, text: str, *, dry_run: bool = False
) -> ImportResult:
    """Check every line, then (unless `dry_run`) apply every change in one transaction."""
    day = today(clock)
    bad: list[BadLine] = []
    lines = _parse(text, day, bad)
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        person, role = owner(session, actor, EMPLOYMENT_OWNERS, day)
        kept = set(kept_organisations(session, person, day))
        organisations = {o.code: o for o in session.scalars(select(Organisation))}
        numbers = sorted({line.number for line in lines})
        people = {
            p.identity_number: p
            for p in session.scalars(select(Person).where(Person.identity_number.in_(numbers)))
        }
        changes: list[ImportChange] = []
        unchanged = 0
        for line in lines:
            org = organisations.get(line.organisation)
            if org is None or org.id not in kept:
                bad.append(
                    BadLine(
                        line.line,
                        f"okänd organisation eller inte din / unknown organisation or not yours "
                        f"'{line.organisation}'",
                    )
                )
                continue
            action = _action(people.get(line.number), org, line, bad)
            if action is None:
                unchanged += 1
            elif action != "bad":
                changes.append(
                    ImportChange(
                        line.line, action, line.number, line.name, org.code, line.start, line.end
                    )
                )
        if bad:
            raise ImportRejected(sorted(bad, key=lambda b: b.line))
        plans = _plan_end_cases(session, people, organisations, changes, day)
        if dry_run:
            steps = tuple(_step(change, plan, None) for change, plan in plans)
            return ImportResult(tuple(changes), unchanged, applied=False, end_cases=steps)
        written = {
            change.line: _apply(session, people, organisations[change.organisation], change)
            for change in changes
        }
        uow.flush()
        writer = Writer(person.id, person.label, role)
        steps = tuple(
            _step(change, plan, apply_step(session, clock, writer, written[change.line], plan))
            for change, plan in plans
        )
        record(
            session,
            clock,
            AuditContext(actor=person.label, role=role),
            "employments_imported",
            rule="R3",
            details={
                "changes": [
                    {"line": c.line, "action": c.action, "holder": c.holder, "org": c.organisation}
                    for c in changes
                ],
                "unchanged": unchanged,
                "end_cases": [{"line": e.line, "step": e.step, "case": e.case_id} for e in steps],
            },
        )
        uow.commit()
        return ImportResult(tuple(changes), unchanged, applied=True, end_cases=steps)


def _plan_end_cases(
    session: Session,
    people: dict[str | None, Person],
    organisations: dict[str, Organisation],
    changes: list[ImportChange],
    day: date,
) -> list[tuple[ImportChange, PlannedStep]]:
    """R19: the employment-end step each change's end date calls for, before any is written."""
    planned: list[tuple[ImportChange, PlannedStep]] = []
    for change in changes:
        employment = None
        if change.action == CHANGE_END:
            employment = _employment(
                people[change.holder], organisations[change.organisation], change.start_date
            )
        plan = plan_step(
            session,
            employment,
            change.end_date,
            existing=change.action == CHANGE_END,
            today=day,
        )
        if plan is not None:
            planned.append((change, plan))
    return planned


def _step(change: ImportChange, plan: PlannedStep, case_id: int | None) -> EndCaseStep:
    return EndCaseStep(
        change.line,
        plan.step,
        change.holder,
        change.organisation,
        change.end_date,
        case_id if case_id is not None else plan.case_id,
    )


def _employment(person: Person, org: Organisation, start: date) -> Employment:
    """The person's employment in `org` from `start` (a change_end line found it)."""
    return next(
        e for e in person.employments if e.organisation_id == org.id and e.start_date == start
    )


def _parse(text: str, day: date, bad: list[BadLine]) -> list[_Line]:
    parsed: list[_Line] = []
    for index, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if index == 1 and cells[0].lower().startswith(("personnummer", "identity")):
            continue  # a header line
        if len(cells) not in (4, 5):
            bad.append(BadLine(index, "5 kolumner väntas / 5 columns expected"))
            continue
        number, name, organisation, start_text = cells[:4]
        end_text = cells[4] if len(cells) == 5 else ""
        try:
            normal = parse_identity_number(number, on=day).number
        except Invalid as error:
            bad.append(BadLine(index, error.message))
            continue
        if not name:
            bad.append(BadLine(index, "namn saknas / name missing"))
            continue
        try:
            start = date.fromisoformat(start_text)
            end = date.fromisoformat(end_text) if end_text else None
        except ValueError:
            bad.append(BadLine(index, "datum som 2026-01-31 / dates as 2026-01-31"))
            continue
        if end is not None and end < start:
            bad.append(BadLine(index, "slutar före start / ends before it starts"))
            continue
        parsed.append(_Line(index, normal, name, organisation, start, end))
    return parsed


def _action(
    person: Person | None, org: Organisation, line: _Line, bad: list[BadLine]
) -> str | None:
    """What the line changes: None when the directory already says the same."""
    if person is None:
        return NEW_PERSON
    for employment in person.employments:
        if employment.organisation_id != org.id:
            continue
        if employment.start_date == line.start:
            return None if employment.end_date == line.end else CHANGE_END
        if (employment.end_date is None or line.start <= employment.end_date) and (
            line.end is None or employment.start_date <= line.end
        ):
            bad.append(
                BadLine(
                    line.line,
                    f"överlappar anställningen från {employment.start_date} / overlaps the "
                    f"employment from {employment.start_date}",
                )
            )
            return "bad"
    return ADD


def _apply(
    session: Session, people: dict[str | None, Person], org: Organisation, change: ImportChange
) -> Employment:
    person = people.get(change.holder)
    if person is None:
        identity = parse_identity_number(change.holder, on=change.start_date)
        person = Person(
            display_name=change.name,
            identity_number=identity.number,
            birth_date=identity.birth_date,
        )
        session.add(person)
        people[change.holder] = person
    if change.action == CHANGE_END:
        employment = _employment(person, org, change.start_date)
        employment.end_date = change.end_date
        return employment
    employment = Employment(
        person=person,
        organisation=org,
        start_date=change.start_date,
        end_date=change.end_date,
    )
    session.add(employment)
    return employment
