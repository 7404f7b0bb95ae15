"""May this user work this task? One rule, written twice side by side: for a loaded task
(complete, claim, open its form) and as SQL (task list, API, web queues).

A user may work a task when all of these hold:

1. the task is READY and its case is open;
2. R5: the user holds the lane's role through a right in force on the day (LoA3 rights
   trained and approved, `valid_from`..`valid_to`) whose organisation is the task's
   organisation or one above it;
3. R6: the user is not the person four-eyes keeps away (the first administrator);
4. R6: the user is not the case's holder (nobody works a case about their own identity);
5. the task is not claimed, or claimed by the user;
6. its deadline (`due_at`, R7/R11) has not passed.

`check_may_work` raises at the first condition that fails; `may_work_clause` is the same
conditions as a WHERE clause over `case_tasks JOIN cases` with the values it binds, for a
`WorkScope` computed once per request (the clause is built once per shape and cached). A group queue shows colleagues' claimed tasks ("taken by X"): it relaxes
condition 5 only, with `ClaimRule.ANY`. tests/integration/test_may_work.py runs both forms
on the same fixtures and asserts that they agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter
from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict
from engine.errors import NotPermitted
from engine.errors import TaskNotReady
from engine.model import Case
from engine.model import CaseTask
from engine.model import Organisation
from engine.model import Person
from engine.model import Timer
from engine.model.base import UTCDateTime
from engine.model.cases import CASE_OPEN
from engine.model.cases import TASK_READY
from engine.model.cases import TIMER_WAITING
from engine.policy.timekeeping import format_local
from engine.policy.timekeeping import to_local
from engine.rights import ROLE_GRANTED_BY
from engine.rights import right_is_in_force
from engine.rights import rights_granting
from engine.rights import role_label
from engine.runner.definitions import timer_named
from engine.state_words import case_state_words
from engine.state_words import task_state_words


class ClaimRule(Enum):
    """Condition 5: who may have claimed the task."""

    FREE_OR_MINE = "free_or_mine"  # working it: complete, claim, open, task list, my tasks
    ANY = "any"  # seeing it in a group queue, a colleague's claim shown as "taken by X"


# --- the Python form: one loaded task ------------------------------------------------


def check_may_work(
    session: Session,
    task: CaseTask,
    actor: Person,
    now: datetime,
    *,
    claim: ClaimRule = ClaimRule.FREE_OR_MINE,
) -> None:
    """Raise the refusal of the first condition `actor` fails for `task` at `now`.

    `session` is read only to name the rule of a passed deadline (R7 or R11).
    """
    case = task.case
    if task.state != TASK_READY:
        raise task_not_ready(task)
    if case.state != CASE_OPEN:
        sv, en = case_state_words(case.state)
        raise Conflict(f"Ärende {case.id} är {sv}. / Case {case.id} is {en}.")
    day = to_local(now).date()
    if task.assignee_id is not None:
        # R20: a task for one named person (an attester) is theirs alone.
        if task.assignee_id != actor.id:
            raise NotPermitted(
                "Uppgiften är tilldelad en annan person; var och en intygar i sitt eget steg "
                "(R20). / The task is assigned to another person; each attests in their own "
                "step (R20).",
                rule="R20",
            )
    elif not rights_granting(actor, task.lane or "", day, task.organisation):
        # R5: the lane's role, by a right in force covering the task's organisation.
        raise NotPermitted(lacks_role_message(actor, task.lane, task.organisation), rule="R5")
    if task.excluded_person_id == actor.id:
        # R6: two different administrators; the first never verifies a second time.
        raise NotPermitted(
            "Andra verifieringen måste göras av en annan ID-administratör än den första (R6). / "
            "The second verification must be made by another ID administrator than the first (R6).",
            rule="R6",
        )
    if case.holder_id is not None and case.holder_id == actor.id:
        raise NotPermitted(
            "Ingen får handlägga ett ärende om sin egen identitet (R6). / "
            "Nobody may work a case about their own identity (R6).",
            rule="R6",
        )
    if claim is ClaimRule.FREE_OR_MINE and task.claimed_by_id not in (None, actor.id):
        raise Conflict(claimed_message(task))
    if task.due_at is not None and task.due_at <= now:
        raise _deadline_passed(session, task, now)


# Built once so SQLAlchemy reuses its cache key.
_PASSED_TIMER_RULE = (
    select(Timer.rule, Timer.name)
    .where(
        Timer.attached_task_id == bindparam("task_id"),
        Timer.status == TIMER_WAITING,
        Timer.interrupting.is_(True),
        Timer.due_at <= bindparam("now"),
    )
    .order_by(Timer.due_at)
    .limit(1)
)


def _deadline_passed(session: Session, task: CaseTask, now: datetime) -> NotPermitted:
    """A deadline is a rule: after it, working is refused even before any timer sweep."""
    assert task.due_at is not None
    found = session.execute(_PASSED_TIMER_RULE, {"task_id": task.id, "now": now}).first()
    when = format_local(task.due_at)
    if found is None:
        return NotPermitted(
            f"Uppgiftens tidsfrist gick ut {when}. / The task's deadline passed at {when}."
        )
    rule = found.rule or "R7"
    if rule == "R7":
        # R7: the length comes from the timer of the case's own version, never from Python.
        timer = timer_named(task.case.process_version.spec_json, found.name)
        days = timer.days if timer is not None else None
        within_sv = f": den ska göras inom {days} dagar från den första" if days else ""
        within_en = f": it must happen within {days} days of the first" if days else ""
        message = (
            f"Tidsfristen för andra verifieringen gick ut {when}{within_sv} (R7). Ärendet "
            f"förfaller; börja om med ett nytt ärende. / The deadline for the second "
            f"verification passed at {when}{within_en} (R7). The case lapses; start over with a "
            f"new case."
        )
    else:
        message = (
            f"Certifikatet gick ut {when} och kan inte längre förlängas ({rule}). / "
            f"The certificate expired at {when} and can no longer be renewed ({rule})."
        )
    return NotPermitted(message, rule=rule)


def lacks_role_message(actor: Person, role: str | None, organisation: Organisation | None) -> str:
    where_sv = f" för {organisation.name}" if organisation else ""
    where_en = f" for {organisation.name}" if organisation else ""
    return (
        f"{actor.username} saknar behörighet som {role_label(role, 'sv')}{where_sv} (R5). / "
        f"{actor.username} lacks the right of a {role_label(role, 'en')}{where_en} (R5)."
    )


def task_not_ready(task: CaseTask) -> TaskNotReady:
    """The refusal for a task no longer ready, with who completed it and when."""
    return TaskNotReady(
        not_ready_message(task),
        case_id=task.case_id,
        state=task.state,
        completed_by=task.completed_by.username if task.completed_by else None,
        completed_at=task.completed_at,
    )


def not_ready_message(task: CaseTask) -> str:
    """Names the task by its title and its state in words (a stale tab or the back button
    lands here; the web shows the friendly page of TaskNotReady instead)."""
    sv, en = task_state_words(task.state)
    title = task.title or task.name
    return (
        f"Uppgiften ”{title}” i ärende {task.case_id} är redan {sv}. / "
        f"The task “{title}” in case {task.case_id} is already {en}."
    )


def claimed_message(task: CaseTask) -> str:
    who = task.claimed_by.username if task.claimed_by else "?"
    return f"Uppgiften är tagen av {who}. / The task is claimed by {who}."


# --- the SQL form: a WHERE clause for lists -------------------------------------------


PERSON_PARAMETER = "may_work_person"
NOW_PARAMETER = "may_work_now"


@dataclass(frozen=True)
class WorkScope:
    """What the SQL form needs to know of a user at one instant, computed once per list."""

    person_id: int
    username: str
    now: datetime
    # Condition 2 per role (lane): the organisations some right in force covers, that is
    # each right's own organisation and every unit below it.
    organisations: Mapping[str, frozenset[int]]

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.organisations)

    def roles_among(self, lanes: Iterable[str] | None) -> tuple[str, ...]:
        """The user's roles, or those of them among `lanes`, in a fixed order."""
        wanted = None if lanes is None else set(lanes)
        return tuple(role for role in self.organisations if wanted is None or role in wanted)

    def parameters(self, roles: Iterable[str]) -> dict[str, Any]:
        """The values `may_work_template(roles, …)` binds."""
        values: dict[str, Any] = {PERSON_PARAMETER: self.person_id, NOW_PARAMETER: self.now}
        for role in roles:
            values[_organisations_parameter(role)] = sorted(self.organisations[role])
        return values


def work_scope(session: Session, person: Person, now: datetime) -> WorkScope:
    """The user's rights in force on the day (already loaded with them), then one query
    for the organisations below each right's organisation."""
    day = to_local(now).date()
    in_force = [right for right in person.rights if right_is_in_force(right, day)]
    roots = sorted({right.organisation_id for right in in_force})
    below = organisations_below(session, roots)
    organisations: dict[str, frozenset[int]] = {}
    for role, granted_by in ROLE_GRANTED_BY.items():
        covered: set[int] = set()
        for right in in_force:
            if right.right in granted_by:
                covered |= below.get(right.organisation_id, {right.organisation_id})
        if covered:
            organisations[role] = frozenset(covered)
    return WorkScope(person.id, person.username or "", now, organisations)


def organisations_below(session: Session, roots: Iterable[int]) -> dict[int, set[int]]:
    """Root organisation id -> itself and every unit below it (one recursive query)."""
    roots = list(roots)
    if not roots:
        return {}
    below: dict[int, set[int]] = {}
    for org_id, root in session.execute(_BELOW, {"roots": roots}):
        below.setdefault(root, set()).add(org_id)
    return below


def _below() -> Select[int, int]:
    covered = (
        select(Organisation.id.label("id"), Organisation.id.label("root"))
        .where(Organisation.id.in_(bindparam("roots", expanding=True)))
        .cte("covered", recursive=True)
    )
    unit = select(Organisation.id, covered.c.root).join(
        covered, Organisation.parent_id == covered.c.id
    )
    # UNION, not UNION ALL: a (unit, root) pair seen twice stops the recursion, so even a
    # cycle of parents (which nothing should create) ends.
    covered = covered.union(unit)
    return select(covered.c.id, covered.c.root)


# Built once so SQLAlchemy reuses its cache key.
_BELOW = _below()


def may_work_clause(
    scope: WorkScope,
    *,
    claim: ClaimRule = ClaimRule.FREE_OR_MINE,
    lanes: Iterable[str] | None = None,
) -> tuple[ColumnElement[bool], dict[str, Any]]:
    """Conditions 1–6 over `case_tasks JOIN cases`, and the values they bind for `scope`;
    `lanes` narrows to some roles' queues. Run as `session.execute(query.where(clause),
    values)`."""
    roles = scope.roles_among(lanes)
    return may_work_template(roles, claim), scope.parameters(roles)


@lru_cache(maxsize=256)
def may_work_template(
    roles: tuple[str, ...], claim: ClaimRule, *, assigned: bool = True
) -> ColumnElement[bool]:
    """Conditions 1–6 with bound parameters (`WorkScope.parameters`), built once per
    (roles, claim) so a list does not rebuild the clause on every page.

    Condition 2 is `(lane = :role AND organisation_id IN (...)) OR ...`, which the partial
    indexes on ready tasks (migration 0005) answer without reading other lanes. With
    `assigned=False` the tasks assigned to the user by name (R20) are left out: a queue of
    lanes pages them in a branch of their own, since `OR assignee_id = :person` would stop
    the lane's index from giving the page in order (and list them once per lane).
    """
    by_role = [
        and_(
            CaseTask.lane == role,
            CaseTask.organisation_id.in_(bindparam(_organisations_parameter(role), expanding=True)),
        )
        for role in roles
    ]
    person: BindParameter[int] = bindparam(PERSON_PARAMETER)
    # Condition 2, or R20: a task assigned to one person is theirs whatever the lane.
    lane_or_assigned = CaseTask.assignee_id == person
    if by_role:
        in_lanes = and_(CaseTask.assignee_id.is_(None), or_(*by_role))
        lane_or_assigned = or_(in_lanes, lane_or_assigned) if assigned else in_lanes
    conditions = [
        CaseTask.state == TASK_READY,
        Case.state == CASE_OPEN,
        lane_or_assigned,
        # R6: not the first administrator, not the holder.
        or_(CaseTask.excluded_person_id.is_(None), CaseTask.excluded_person_id != person),
        or_(Case.holder_id.is_(None), Case.holder_id != person),
        or_(
            CaseTask.due_at.is_(None),
            CaseTask.due_at > bindparam(NOW_PARAMETER, type_=UTCDateTime()),
        ),
    ]
    if claim is ClaimRule.FREE_OR_MINE:
        conditions.append(or_(CaseTask.claimed_by_id.is_(None), CaseTask.claimed_by_id == person))
    return and_(*conditions)


def _organisations_parameter(role: str) -> str:
    # Lanes come from BPMN files; parameter names use the role's place in the fixed list.
    return f"may_work_organisations_{list(ROLE_GRANTED_BY).index(role)}"
