"""Cases and ready tasks written straight into the queue tables, in the shape the
projection writes them, to pin the lists and the "may work" rule on chosen situations
(claims, passed deadlines, units, holders) and on many cases without running SpiffWorkflow.
The lists never read the workflow state, so these cases carry none."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.model import AdminRight
from engine.model import Case
from engine.model import CaseTask
from engine.model import Organisation
from engine.model import Person
from engine.model import ProcessVersion
from engine.model.cases import CASE_OPEN
from engine.model.cases import TASK_READY

DEMO_FROM = date(2024, 1, 1)


@dataclass
class TaskRows:
    """A session on the demo region with helpers to add people, units, cases and tasks."""

    session: Session
    now: datetime
    tasks: dict[str, str] = field(default_factory=dict)  # label -> task id
    _minutes: int = 0

    def person(self, username: str) -> Person:
        return self.session.scalars(select(Person).where(Person.username == username)).one()

    def organisation(self, code: str) -> Organisation:
        found = self.session.scalars(select(Organisation).where(Organisation.code == code))
        return found.one()

    def unit(self, code: str, parent: Organisation) -> Organisation:
        unit = Organisation(code=code, name=code, parent=parent)
        self.session.add(unit)
        self.session.flush()
        return unit

    def admin(
        self,
        username: str,
        right: str,
        organisation: Organisation,
        *,
        trained: bool = True,
        valid_from: date = DEMO_FROM,
        valid_to: date | None = None,
    ) -> Person:
        person = Person(username=username, display_name=username.title())
        self.session.add(person)
        self.session.add(
            AdminRight(
                person=person,
                right=right,
                organisation=organisation,
                trained_on=DEMO_FROM if trained else None,
                approved_on=DEMO_FROM if trained else None,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )
        self.session.flush()
        return person

    def task(
        self,
        label: str,
        lane: str | None,
        organisation: Organisation,
        *,
        started_by: Person,
        holder: Person | None = None,
        excluded: Person | None = None,
        claimed_by: Person | None = None,
        due_at: datetime | None = None,
        state: str = TASK_READY,
        case_state: str = CASE_OPEN,
        process: str = "loa3-reserve",
        created_at: datetime | None = None,
    ) -> str:
        """One case with one task; each task a minute younger than the one before."""
        self._minutes += 1
        version = self.session.scalars(
            select(ProcessVersion).where(ProcessVersion.process_id == process)
        ).first()
        assert version is not None
        case = Case(
            process_version=version,
            process_id=process,
            state=case_state,
            holder=holder,
            organisation=organisation,
            started_at=self.now - timedelta(days=1),
            started_by=started_by,
            workflow_state=b"",
            serializer_version="rows",
        )
        self.session.add(case)
        self.session.flush()
        task_id = str(uuid.uuid4())
        self.session.add(
            CaseTask(
                id=task_id,
                case_id=case.id,
                name=label,
                title=label,
                lane=lane,
                state=state,
                created_at=created_at
                or self.now - timedelta(days=1) + timedelta(minutes=self._minutes),
                due_at=due_at,
                organisation_id=organisation.id,
                excluded_person_id=excluded.id if excluded else None,
                claimed_by_id=claimed_by.id if claimed_by else None,
            )
        )
        self.tasks[label] = task_id
        return task_id
