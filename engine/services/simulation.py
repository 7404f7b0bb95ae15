"""Simulating a draft before deploy: one scenario run on a simulated clock, in memory.

A process owner asks "what happens to a case started julafton 10:00 if nobody acts?" or
"...if the workers complete each task at once?". The saved draft is validated as a deploy
would be (a draft with problems is refused with them, ModelRejected), then started at the
scenario's instant with data generated from its start form (the smoke run's generator,
engine.services.deploy.smoke) overlaid by the scenario's own data, and stepped: a ready
task is completed at once (when workers act) with data generated from its form, else the
earliest waiting timer fires and the clock moves to its due instant. Nothing is written
to the database. Each start and task is judged by the rules its domain action would apply
(engine.services.simulated_rules: rule ID, inputs, outcome), on the simulated clock with
the draft's decision tables, so the path shows which rule lets the case on or stops it
(a refused step ends the run there); decisions on real people or cards are not taken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.clock import Clock
from engine.clock import FixedClock
from engine.errors import Invalid
from engine.forms import START_FORM_ID
from engine.model import ProcessScenario
from engine.problems import ModelRejected
from engine.runner import CaseRunner
from engine.services.deploy.bundle import read_contents
from engine.services.deploy.checks import validate_bundle
from engine.services.deploy.smoke import sample_form_data
from engine.services.deploy.versions import definition_of
from engine.services.deploy.versions import require_owner
from engine.services.drafts import open_draft
from engine.services.rule_decisions import RuleDecision
from engine.services.rule_decisions import Step
from engine.services.runtime import Runtime
from engine.services.simulated_rules import RuleBook
from engine.services.simulated_validity import rule_task_decision

MAX_STEPS = 60
MAX_SCENARIO_NAME = 100

START = "start"
TASK = "task"
TIMER = "timer"
END = "end"
STUCK = "stuck"
REFUSED = "refused"  # a rule refused the step: the case waits there (see the decisions)
# Scenario data naming the organisation whose R14 setting judges LoA2 (simulated_rules).
ORGANISATION_KEY = "organisation"


@dataclass(frozen=True)
class SimulatedStep:
    """One step of the path: what happened (`kind`), at which element, when."""

    kind: str  # start, task, timer, end, stuck, refused
    element: str
    at: datetime
    # The form the worker fills in at this step (start or task), in Swedish and English.
    form_sv: str | None = None
    form_en: str | None = None


@dataclass(frozen=True)
class Scenario:
    """What an owner keeps to rerun: "julafton 10:00, nobody acts, for ivan"."""

    name: str
    start_at: datetime
    workers_act: bool
    data: dict[str, Any]


@dataclass(frozen=True)
class Simulation:
    process: str
    steps: tuple[SimulatedStep, ...]
    ended: bool  # an end event was reached within MAX_STEPS
    # Every rule decided on the way (rule ID, inputs, outcome), in the order taken.
    decisions: tuple[RuleDecision, ...] = ()


def simulate_draft(
    runtime: Runtime,
    clock: Clock,
    process_id: str,
    username: str,
    *,
    start_at: datetime,
    workers_act: bool,
    data: Mapping[str, Any] | None = None,
) -> Simulation:
    """S1: run the owner's draft (or the active version) along one scenario."""
    if start_at.tzinfo is None:
        raise Invalid("Starttiden saknar tidszon. / The start time has no time zone.")
    draft = open_draft(runtime, clock, process_id, username)
    with runtime.unit_of_work(clock) as uow:
        require_owner(uow.session, clock, username)
        bundle = read_contents({n: t.encode("utf-8") for n, t in draft.files.items()})
        validated = validate_bundle(uow.session, bundle, clock.now())
    if validated.problems:
        raise ModelRejected(list(validated.problems))
    process = next(p for p in validated.processes if p.parsed.process_id == process_id)
    start_id = next((e.id for e in process.outline.of_kind("StartEvent")), START)
    organisation = (data or {}).get(ORGANISATION_KEY)
    with runtime.database.sessions() as session:
        book = RuleBook(
            session,
            spec_json=process.parsed.spec_json,
            draft_files=draft.files,
            deploy_from=clock.now(),
            organisation=str(organisation) if organisation is not None else None,
        )
        return _run(
            process_id,
            start_id,
            process.parsed.spec_json,
            process.forms,
            book,
            _Scenario(start_at, workers_act, data),
        )


@dataclass(frozen=True)
class _Scenario:
    start_at: datetime
    workers_act: bool
    data: Mapping[str, Any] | None


def _run(
    process_id: str,
    start_id: str,
    spec_json: str,
    forms: Mapping[str, Any],
    book: RuleBook,
    scenario: _Scenario,
) -> Simulation:
    start_at, workers_act = scenario.start_at, scenario.workers_act
    simulated = FixedClock(start_at)
    lane, start_props = CaseRunner.start_event_properties(spec_json)
    judged = book.judge(start_props.get("action"), Step(start_id, start_at, lane, start_props), {})
    decisions = list(judged.decisions)
    values = {
        **sample_form_data(forms.get(START_FORM_ID), start_at),
        **judged.data,
        **json.loads(json.dumps(scenario.data or {})),  # a copy the run may change freely
    }
    titles = _form_titles(forms, START_FORM_ID)
    if judged.refused:
        refused = SimulatedStep(REFUSED, start_id, start_at, *titles)
        return Simulation(process_id, (refused,), False, tuple(decisions))
    runner = CaseRunner.start(spec_json, values, simulated)
    ran: set[str] = set()
    _record_rule_tasks(runner, ran, decisions, start_at)
    case_data = dict(values)
    steps = [SimulatedStep(START, start_id, start_at, *titles)]
    ended: set[str] = set()
    for _ in range(MAX_STEPS):
        _record_ends(runner, steps, ended, simulated.now())
        if runner.is_completed():
            break
        tasks = runner.ready_user_tasks()
        timers = sorted(runner.waiting_timers(), key=lambda t: (t.due_at, t.name))
        now = simulated.now()
        if tasks and (workers_act or not timers):
            if not workers_act:
                steps.append(SimulatedStep(STUCK, tasks[0].name, now))
                break
            task = tasks[0]
            judged = book.judge(
                task.properties.get("action"),
                Step(task.name, now, task.lane, task.properties),
                case_data,
            )
            decisions += judged.decisions
            if judged.refused:
                steps.append(
                    SimulatedStep(REFUSED, task.name, now, *_form_titles(forms, task.name))
                )
                break
            completion = {**sample_form_data(forms.get(task.name), now), **judged.data}
            case_data.update(completion)
            runner.complete_user_task(task.id, completion)
            _record_rule_tasks(runner, ran, decisions, now)
            steps.append(SimulatedStep(TASK, task.name, now, *_form_titles(forms, task.name)))
        elif timers:
            timer = timers[0]
            simulated.set(max(timer.due_at, now))
            runner.fire_timer(timer.task_id)
            _record_rule_tasks(runner, ran, decisions, simulated.now())
            steps.append(SimulatedStep(TIMER, timer.name, simulated.now()))
        else:
            steps.append(SimulatedStep(STUCK, steps[-1].element, now))
            break
    _record_ends(runner, steps, ended, simulated.now())
    return Simulation(process_id, tuple(steps), bool(ended), tuple(decisions))


def _record_rule_tasks(
    runner: CaseRunner, ran: set[str], decisions: list[RuleDecision], at: datetime
) -> None:
    """The decisions of the business rule tasks that ran in the last step."""
    for done in runner.business_rules_done():
        if done.task_id not in ran:
            ran.add(done.task_id)
            decisions.append(rule_task_decision(done, at))


def _form_titles(forms: Mapping[str, Any], form_id: str) -> tuple[str | None, str | None]:
    schema = forms.get(form_id)
    if not isinstance(schema, dict):
        return None, None
    title = str(schema.get("title", form_id))
    return title, str(schema.get("x-title-en", title))


def _record_ends(
    runner: CaseRunner, steps: list[SimulatedStep], ended: set[str], at: datetime
) -> None:
    for end in runner.ends_reached():
        if end.name not in ended:
            ended.add(end.name)
            steps.append(SimulatedStep(END, end.name, at))


def keep_scenario(
    runtime: Runtime, clock: Clock, process_id: str, username: str, scenario: Scenario
) -> None:
    """S1: keep (or replace, by name) a scenario of the owner's for `process_id`; it stays
    across drafts and deploys, to be rerun after the next change."""
    name = scenario.name.strip()
    if not name or len(name) > MAX_SCENARIO_NAME:
        raise Invalid(
            f"Ge scenariot ett namn på 1–{MAX_SCENARIO_NAME} tecken. / "
            f"Give the scenario a name of 1–{MAX_SCENARIO_NAME} characters."
        )
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        owner = require_owner(session, clock, username)
        definition_of(session, process_id)
        row = session.scalars(
            select(ProcessScenario).where(
                ProcessScenario.process_id == process_id,
                ProcessScenario.owner_id == owner.id,
                ProcessScenario.name == name,
            )
        ).first()
        if row is None:
            row = ProcessScenario(process_id=process_id, owner_id=owner.id, name=name)
            session.add(row)
        row.start_at = scenario.start_at
        row.workers_act = scenario.workers_act
        row.data_json = json.dumps(scenario.data, ensure_ascii=False, sort_keys=True)
        row.saved_at = clock.now()
        uow.commit()


def kept_scenarios(
    runtime: Runtime, clock: Clock, process_id: str, username: str
) -> tuple[Scenario, ...]:
    """S1: the owner's scenarios for `process_id`, by name."""
    with runtime.database.sessions() as session:
        owner = require_owner(session, clock, username)
        rows = session.scalars(
            select(ProcessScenario)
            .where(ProcessScenario.process_id == process_id, ProcessScenario.owner_id == owner.id)
            .order_by(ProcessScenario.name)
        )
        return tuple(
            Scenario(r.name, r.start_at, r.workers_act, json.loads(r.data_json)) for r in rows
        )
