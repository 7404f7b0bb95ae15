"""The smoke run: a new version runs before it is stored, along every path it allows.

On a simulated clock and without touching the database, the version starts with data
generated from its start form, then at each step takes every choice a case could meet:
complete each ready user task (with data generated from its form) or fire each waiting
timer (the clock moves to its due time). What the domain actions would add to the case
data (a deadline, a certificate's end, a reminder time) is simulated with plausible
values, so timers and conditions that read them are exercised; the actions' own rules are
the engine's, not the model's. A path whose step fails, or that waits with nothing able
to move it, is a problem; so is a version where no path reaches an end event. Bounded in
steps, states and seconds, so a deploy never stalls on a model.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from engine.clock import FixedClock
from engine.forms import DATE_OR_AWARE_TIME_FORMAT
from engine.forms import START_FORM_ID
from engine.policy.timekeeping import add_local_days
from engine.policy.timekeeping import to_local
from engine.problems import Problem
from engine.runner import CaseRunner
from engine.runner.outline import ProcessOutline

MAX_DEPTH = 25
MAX_STATES = 300
TIME_BUDGET_SECONDS = 3.0
SIMULATED_VALIDITY_DAYS = 14
SIMULATED_DEADLINE_DAYS = 5
SIMULATED_REMINDER_LEAD_DAYS = 3


@dataclass
class _State:
    runner_state: str
    at: datetime
    path: tuple[str, ...]


def smoke_run(
    filename: str,
    spec_json: str,
    outline: ProcessOutline,
    forms: Mapping[str, Any],
    start_at: datetime,
) -> list[Problem]:
    """Run the version along each path; one problem per failing or stuck path (deduplicated)."""
    problems: dict[tuple[str | None, str], Problem] = {}

    def fail(element: str | None, sv: str, en: str) -> None:
        problems.setdefault((element, en), Problem(filename, element, f"{sv} / {en}"))

    clock = FixedClock(start_at)
    start_props = next((e.props for e in outline.of_kind("StartEvent")), {})
    data = {
        **sample_form_data(forms.get(START_FORM_ID), start_at),
        **_action_data(start_props.get("action"), start_props, start_at),
    }
    try:
        runner = CaseRunner.start(spec_json, data, clock)
    except Exception as error:  # noqa: BLE001 - any failure of the model is a problem, not a fault
        fail(
            "start",
            f"Ett nytt ärende kan inte starta: {_said(error)}.",
            f"A new case cannot start: {_said(error)}.",
        )
        return list(problems.values())
    ended = False
    stack = [_State(runner.dump(), start_at, ("start",))]
    seen = 0
    visited: set[tuple[tuple[str, ...], ...]] = set()
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    while stack and seen < MAX_STATES and time.monotonic() < deadline:
        state = stack.pop()
        seen += 1
        clock.set(state.at)
        runner = CaseRunner.load(spec_json, state.runner_state, clock)
        if runner.is_completed():
            ended = True
            continue
        if len(state.path) > MAX_DEPTH:
            ended = True  # a long path (a loop) that still moves: not stuck
            continue
        tasks = runner.ready_user_tasks()
        timers = runner.waiting_timers()
        # The generated data is the same on every path, so a state with the same ready tasks,
        # waiting timers and ends reached behaves the same: explore it once (parallel
        # branches would otherwise multiply their orderings).
        signature = (
            tuple(sorted(t.name for t in tasks)),
            tuple(sorted(t.name for t in timers)),
            tuple(sorted(e.name for e in runner.ends_reached())),
        )
        if signature in visited:
            continue
        visited.add(signature)
        if not tasks and not timers:
            fail(
                state.path[-1],
                "Ärendet fastnar här: ingen uppgift och ingen timer kan föra det vidare "
                "(väntar det på ett meddelande?).",
                "The case gets stuck here: no task and no timer can move it on (is it "
                "waiting for a message?).",
            )
            continue
        for task in tasks:
            stepped = CaseRunner.load(spec_json, state.runner_state, clock)
            values = {
                **sample_form_data(forms.get(task.name), state.at),
                **_action_data(task.properties.get("action"), task.properties, state.at),
            }
            try:
                stepped.complete_user_task(task.id, values)
            except Exception as error:  # noqa: BLE001 - a failing step is a problem of the model
                fail(
                    task.name,
                    f"Steget efter uppgiften misslyckas: {_said(error)}.",
                    f"The step after the task fails: {_said(error)}.",
                )
                continue
            stack.append(_State(stepped.dump(), state.at, (*state.path, task.name)))
        for timer in timers:
            at = max(timer.due_at, state.at)
            clock.set(at)
            stepped = CaseRunner.load(spec_json, state.runner_state, clock)
            try:
                stepped.fire_timer(timer.task_id)
            except Exception as error:  # noqa: BLE001 - a failing step is a problem of the model
                fail(
                    timer.name,
                    f"Steget efter timern misslyckas: {_said(error)}.",
                    f"The step after the timer fails: {_said(error)}.",
                )
                continue
            stack.append(_State(stepped.dump(), at, (*state.path, timer.name)))
    if not ended and not problems:
        if stack:
            fail(
                None,
                f"Provkörningen nådde ingen sluthändelse inom sina gränser ({MAX_STATES} "
                f"tillstånd, {TIME_BUDGET_SECONDS:g} s); förenkla modellen.",
                f"The smoke run reached no end event within its bounds ({MAX_STATES} states, "
                f"{TIME_BUDGET_SECONDS:g} s); simplify the model.",
            )
        else:
            fail(
                None,
                "Ingen väg genom processen når en sluthändelse.",
                "No path through the process reaches an end event.",
            )
    return list(problems.values())


def _said(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return message.split(" / ")[-1].strip().rstrip(".")[:300]


def sample_form_data(schema: Mapping[str, Any] | None, at: datetime) -> dict[str, Any]:
    """A plausible value for every field of a form (the smoke run and the simulation fill
    forms alike): an enum's first value, a date a week ahead for a date field, else a
    short text."""
    if not schema:
        return {}
    values: dict[str, Any] = {}
    for name, spec in schema.get("properties", {}).items():
        if spec.get("enum"):
            values[name] = spec["enum"][0]
        elif spec.get("format") == DATE_OR_AWARE_TIME_FORMAT:
            values[name] = (to_local(at) + timedelta(days=7)).date().isoformat()
        else:
            values[name] = "smoke"
    return values


def _action_data(action: str | None, properties: Mapping[str, str], at: datetime) -> dict[str, Any]:
    """What a domain action would add to the case data, with plausible values."""
    if action is None:
        return {}
    loa = int(properties.get("loa", "3" if action == "first_verification" else "2"))
    if action == "first_verification":
        return {
            "holder": "smoke",
            "loa": loa,
            "first_admin": "smoke",
            "first_verified_at": at.isoformat(),
            "deadline_at": add_local_days(at, SIMULATED_DEADLINE_DAYS).isoformat(),
        }
    if action == "end_employment":
        return {"holder": "smoke", "organisation": "smoke", "revoke_at": at.isoformat()}
    if action in ("order_ordinary_card", "activate_ordinary_card"):
        return {"holder": "smoke", "loa": 3}
    if action == "start_forgotten_card":
        return {"holder": "smoke", "loa": 2, "next_attester": "smoke", "attestations": 0}
    if action == "attest_forgotten_card":
        return {"attestations": 2, "next_attester": ""}
    if action == "mail_ordinary_card":
        lapse_at = add_local_days(at, 100)
        return {
            "card_number": "SK000001",
            "lapse_at": lapse_at.isoformat(),
            "activation_reminder_at": add_local_days(lapse_at, -14).isoformat(),
        }
    if action == "order_loa2":
        return {"holder": "smoke", "loa": 2, "ordered_by": "smoke", "cycle": 1}
    if action == "select_card_for_renewal":
        loa = 3
    valid_until = add_local_days(at, SIMULATED_VALIDITY_DAYS)
    data: dict[str, Any] = {
        "loa": loa,
        "card_number": "RK000001",
        "valid_until": to_local(valid_until).isoformat(),
        "certificate_valid_until": valid_until.isoformat(),
        "reminder_at": add_local_days(valid_until, -SIMULATED_REMINDER_LEAD_DAYS).isoformat(),
        "valid_for_national_systems": loa == 3,
    }
    if action == "issue_at_station":
        data.update(holder="smoke", cycle=1)
    if action == "select_card_for_renewal":
        # R9: the service desk is closed; the case waits a day for its next opening.
        opens = add_local_days(at, 1).isoformat()
        data.update(holder="smoke", in_service_hours=False, service_opens_at=opens)
    return data
