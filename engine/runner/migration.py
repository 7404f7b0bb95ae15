"""Moving one case's workflow state onto another version of its process spec (S5).

The stored state names each task's spec by its BPMN id, so a case moves by binding every
task to the target spec's task of the same id, SpiffWorkflow's `migrate_workflow` doing
the binding and re-predicting what follows each waiting task from the target version.

What may move (the rule, also in docs/lifecycle.md):

- every task the case has lived (completed, cancelled, ready, waiting, started) exists in
  the target by BPMN id, as the same kind of element: the case's position (its waiting
  user tasks and timers) and the path it took are both there. A step missing or of
  another kind blocks, named in the reason. Other changes to completed steps (texts,
  properties, scripts) do not block: a completed step never runs again, and what it did
  (cards, certificates, audit) stands;
- a completed step the case waits right after (a user task with its boundary timers)
  keeps its outgoing elements: a timer the target adds to a waiting task would never be
  armed, one it removes would be lost;
- no sub-workflows (call activities, subprocesses);
- the moved state re-predicts and reloads on the target without error.

Matching is by BPMN id only, never by guessing from structure, so a renamed task blocks
instead of silently becoming another. A waiting timer keeps the due instant it was set
with (a `P5D` counted from its start is not restarted by a move); the target's timer
expressions apply from the next time a timer starts. Task ids stay the same, so the
case's task and timer rows and its history keep pointing at the same tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.util.diff import migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import sandbox
from engine.clock import Clock
from engine.runner.case_runner import CaseRunner
from engine.runner.refusals import ScriptRefused
from engine.runner.serialization import load_spec

# What the case has lived: its path and its position. Predicted tasks are re-made.
_LIVED = TaskState.FINISHED_MASK | TaskState.WAITING | TaskState.READY | TaskState.STARTED
_ACTIVE = TaskState.WAITING | TaskState.READY | TaskState.STARTED


@dataclass(frozen=True)
class MigrationOutcome:
    """The case on the target spec (in memory, not stored), or why it cannot move."""

    runner: CaseRunner | None
    reasons: tuple[str, ...]

    @property
    def movable(self) -> bool:
        return self.runner is not None and not self.reasons


@dataclass
class _AlignedByName:
    """What `migrate_workflow` reads of a diff: each task's spec in the target, by BPMN id."""

    alignment: dict[Any, Any]


def migrate_runner(
    runner: CaseRunner, target_spec_json: str, target_label: str, clock: Clock
) -> MigrationOutcome:
    """Move `runner`'s workflow onto the target spec; `runner` is used up either way.

    Blocked: the reasons, one bilingual sentence each, and no runner. Movable: a fresh
    runner loaded from the moved state against the target spec, as it will be stored.
    """
    spec, subprocess_specs = load_spec(target_spec_json)
    workflow = runner.workflow
    reasons = _blockers(workflow, spec, target_label)
    if reasons:
        return MigrationOutcome(None, reasons)
    ready = {task.id for task in workflow.get_tasks(state=TaskState.READY, manual=True)}
    due = {
        task.id: task._get_internal_data("event_value")
        for task in workflow.get_tasks(state=TaskState.WAITING)
    }
    aligned = _AlignedByName(
        {t: spec.task_specs.get(t.task_spec.name) for t in workflow.tasks.values()}
    )
    try:
        migrate_workflow(aligned, workflow, spec)
        workflow.subprocess_specs = subprocess_specs
        for task_id, value in due.items():
            task = workflow.tasks.get(task_id)
            if task is not None and value is not None and task.state == TaskState.WAITING:
                # The due instant it was set with stays (a duration is not restarted).
                task._set_internal_data(event_value=value)
        problem = _check_moved(workflow, spec, ready, set(due), target_label)
        if problem:
            return MigrationOutcome(None, (problem,))
        moved = CaseRunner.load(target_spec_json, runner.dump(), clock)
    except (SpiffWorkflowException, ScriptRefused, sandbox.SandboxViolation, KeyError) as error:
        return MigrationOutcome(
            None,
            (
                f"Ärendet kan inte köras vidare i {target_label}: {error}. / "
                f"The case cannot run on in {target_label}: {error}.",
            ),
        )
    return MigrationOutcome(moved, ())


def _blockers(workflow: Any, spec: Any, target_label: str) -> tuple[str, ...]:
    reasons: list[str] = []
    if workflow.subprocesses:
        reasons.append(
            "Ärendet har underprocesser, som inte kan flyttas. / "
            "The case has subprocesses, which cannot be moved."
        )
    for task in workflow.get_tasks(state=_LIVED, skip_subprocesses=True):
        old = task.task_spec
        new = spec.task_specs.get(old.name)
        name = old.bpmn_id or old.name
        if new is None:
            reasons.append(_missing(task, name, target_label))
        elif type(new) is not type(old):
            reasons.append(
                f"'{name}' är en annan sorts element i {target_label} "
                f"({type(old).__name__} → {type(new).__name__}). / '{name}' is another kind "
                f"of element in {target_label} ({type(old).__name__} → {type(new).__name__})."
            )
        elif task.state == TaskState.COMPLETED and _waits_after(task):
            if [o.name for o in old.outputs] != [o.name for o in new.outputs]:
                waiting = _waiting_name(task)
                reasons.append(
                    f"{target_label} ändrar händelserna (t.ex. timers) vid den väntande "
                    f"uppgiften '{waiting}'. / {target_label} changes the events (such as "
                    f"timers) attached to the waiting task '{waiting}'."
                )
    return tuple(dict.fromkeys(reasons))


def _missing(task: Any, name: str, target_label: str) -> str:
    if task.state == TaskState.READY and task.task_spec.manual:
        return (
            f"Den väntande uppgiften '{name}' finns inte i {target_label}. / "
            f"The waiting task '{name}' does not exist in {target_label}."
        )
    if task.state == TaskState.WAITING:
        return (
            f"Den väntande händelsen (timern) '{name}' finns inte i {target_label}. / "
            f"The waiting event (timer) '{name}' does not exist in {target_label}."
        )
    if task.has_state(_ACTIVE):
        return (
            f"Det pågående steget '{name}' finns inte i {target_label}. / "
            f"The running step '{name}' does not exist in {target_label}."
        )
    return (
        f"Det utförda steget '{name}' finns inte i {target_label}: ärendets väg har ändrats. / "
        f"The completed step '{name}' does not exist in {target_label}: the case's path changed."
    )


def _waits_after(task: Any) -> bool:
    return any(child.has_state(_ACTIVE) for child in task.children)


def _waiting_name(task: Any) -> str:
    manual = next((c for c in task.children if c.task_spec.manual), None)
    spec = (manual or task).task_spec
    return str(spec.bpmn_id or spec.name)


def _check_moved(
    workflow: Any, spec: Any, ready: set[Any], waiting: set[Any], target_label: str
) -> str | None:
    """After the move: every task on a target spec, the same tasks ready and waiting."""
    stray = sorted(
        {
            str(task.task_spec.bpmn_id or task.task_spec.name)
            for task in workflow.tasks.values()
            if spec.task_specs.get(task.task_spec.name) is not task.task_spec
        }
    )
    now_ready = {task.id for task in workflow.get_tasks(state=TaskState.READY, manual=True)}
    now_waiting = {task.id for task in workflow.get_tasks(state=TaskState.WAITING)}
    if stray or now_ready != ready or now_waiting != waiting:
        listed = ", ".join(stray) or "-"
        return (
            f"Ärendets läge kan inte återskapas i {target_label} (element: {listed}). / "
            f"The case's position cannot be rebuilt in {target_label} (elements: {listed})."
        )
    return None
