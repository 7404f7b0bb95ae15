"""The workflow runner (engine/runner/) on its own: the real processes/ files, saved and
reloaded between steps as the case service does (STYLE.md, SpiffWorkflow's with_save_load).

No database: a case's state is the runner's `dump()`, its spec the parsed version's JSON.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine.clock import FixedClock
from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.runner import SANDBOX_RULE
from engine.runner import SERIALIZER_VERSION
from engine.runner import CaseRunner
from engine.runner import ProcessDefinitionError
from engine.runner import ScriptRefused
from engine.runner import decide
from engine.runner import parse_processes
from engine.runner.serialization import load_spec
from engine.services.deploy import PROCESSES_DIR
from tests.support.flows import local

START = local("2026-11-23 10:00")


def _spec(name: str) -> str:
    source = (PROCESSES_DIR / f"{name}.bpmn").read_text(encoding="utf-8")
    [parsed] = parse_processes({f"{name}.bpmn": source}, {})
    return parsed.spec_json


@pytest.fixture(scope="module")
def loa3_spec() -> str:
    return _spec("loa3-reserve")


@pytest.fixture(scope="module")
def loa2_spec() -> str:
    return _spec("loa2-remote-order")


def _reload(runner: CaseRunner, spec_json: str, clock: FixedClock) -> CaseRunner:
    """Save and load, as every case step does between two requests."""
    return CaseRunner.load(spec_json, runner.dump(), clock)


def _ready(runner: CaseRunner) -> list[str]:
    return [task.name for task in runner.ready_user_tasks()]


# --- case_runner: start, user tasks, timers, ends ------------------------------------------


def test_r6_start_event_names_its_lane_and_first_verification_action(loa3_spec: str) -> None:
    lane, properties = CaseRunner.start_event_properties(loa3_spec)
    assert lane == "loa3_admin"
    assert properties["action"] == "first_verification"


def test_r7_loa3_case_waits_for_the_second_admin_with_a_five_day_deadline(
    loa3_spec: str,
) -> None:
    clock = FixedClock(START)
    runner = _reload(CaseRunner.start(loa3_spec, {"holder": "frida"}, clock), loa3_spec, clock)
    (task,) = runner.ready_user_tasks()
    assert (task.name, task.lane) == ("second_verification", "loa3_admin")
    assert task.properties["loa"] == "3" and task.properties["four_eyes"] == "start"
    (deadline,) = runner.waiting_timers()
    assert (deadline.name, deadline.properties["rule"]) == ("deadline", "R7")
    assert deadline.interrupting and deadline.attached_task_id == task.id
    # "P5D": the same local clock time five calendar days later, on the case's clock.
    assert deadline.due_at == START + timedelta(days=5)
    assert not runner.is_completed() and runner.ends_reached() == []


def test_r6_completing_the_second_verification_ends_the_case_with_its_data(
    loa3_spec: str,
) -> None:
    clock = FixedClock(START)
    runner = CaseRunner.start(loa3_spec, {"holder": "frida", "id_document": "passport"}, clock)
    (task,) = _reload(runner, loa3_spec, clock).ready_user_tasks()
    runner = _reload(runner, loa3_spec, clock)
    runner.complete_user_task(task.id, {"second_id_document": "driving_licence"})
    runner = _reload(runner, loa3_spec, clock)
    assert runner.is_completed()
    assert [end.name for end in runner.ends_reached()] == ["issued"]
    data = runner.data()
    assert (data["id_document"], data["second_id_document"]) == ("passport", "driving_licence")
    assert runner.waiting_timers() == []


def test_r7_firing_the_deadline_cancels_the_task_and_reaches_the_lapsed_end(
    loa3_spec: str,
) -> None:
    clock = FixedClock(START)
    runner = CaseRunner.start(loa3_spec, {"holder": "frida"}, clock)
    (deadline,) = runner.waiting_timers()
    clock.set(deadline.due_at)
    runner = _reload(runner, loa3_spec, clock)
    assert runner.fire_timer(deadline.task_id) is True
    runner = _reload(runner, loa3_spec, clock)
    assert _ready(runner) == []
    (end,) = runner.ends_reached()
    assert (end.name, end.properties["case_state"]) == ("lapsed", "lapsed")
    assert runner.fire_timer(deadline.task_id) is False  # fired once, never twice


def test_a_task_that_is_not_ready_or_not_in_the_case_is_refused(loa3_spec: str) -> None:
    clock = FixedClock(START)
    runner = CaseRunner.start(loa3_spec, {"holder": "frida"}, clock)
    (task,) = runner.ready_user_tasks()
    (deadline,) = runner.waiting_timers()
    with pytest.raises(Conflict, match="inte redo"):
        runner.complete_user_task(deadline.task_id, {})  # a timer is no user task
    runner.complete_user_task(task.id, {})
    with pytest.raises(Conflict, match="inte redo"):
        runner.complete_user_task(task.id, {})  # completed already: never run twice
    for unknown in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(Conflict, match="finns inte"):
            runner.complete_user_task(unknown, {})


def test_s4_cancel_ends_every_task_and_runs_none(loa3_spec: str) -> None:
    clock = FixedClock(START)
    runner = CaseRunner.start(loa3_spec, {"holder": "frida"}, clock)
    runner.cancel()
    runner = _reload(runner, loa3_spec, clock)
    assert _ready(runner) == [] and runner.waiting_timers() == []
    assert runner.effects == [] and runner.ends_reached() == []


def test_r11_r15_loa2_renewal_cycle_timers_effects_and_continue_as_new(loa2_spec: str) -> None:
    clock = FixedClock(local("2026-11-23 15:01"))
    runner = CaseRunner.start(loa2_spec, {"holder": "erik", "cycle": 1}, clock)
    assert _ready(runner) == ["issue_loa2"]
    until = local("2026-12-07 15:01")
    reminder = local("2026-12-04 15:01")
    (issue,) = runner.ready_user_tasks()
    runner.complete_user_task(
        issue.id,
        {
            "certificate_valid_until": until.isoformat(),
            "reminder_at": reminder.isoformat(),
        },
    )
    runner = _reload(runner, loa2_spec, clock)
    assert _ready(runner) == ["request_renewal"]
    timers = {t.name: t for t in runner.waiting_timers()}
    assert {name: t.due_at for name, t in timers.items()} == {
        "reminder": reminder,
        "expiry": until,
    }
    assert not timers["reminder"].interrupting and timers["expiry"].interrupting

    # The reminder fires beside the task (non-interrupting) and asks for one e-mail.
    clock.set(reminder)
    assert runner.fire_timer(timers["reminder"].task_id)
    assert [(e.operation, e.task_name) for e in runner.effects] == [("send_email", "send_reminder")]
    runner = _reload(runner, loa2_spec, clock)
    assert _ready(runner) == ["request_renewal"]

    (request,) = runner.ready_user_tasks()
    runner.complete_user_task(request.id, {})
    runner = _reload(runner, loa2_spec, clock)
    (renew,) = runner.ready_user_tasks()
    assert (renew.name, renew.properties["loa"]) == ("renew_loa2", "2")
    runner.complete_user_task(renew.id, {"certificate_valid_until": until.isoformat()})
    assert [e.task_name for e in runner.effects] == ["notify_card_user"]
    ends = {end.name: end.properties for end in runner.ends_reached()}
    assert ends["next_cycle"]["continue_as_new"] == "true"


# --- serialization: the spec once per version, the state per case ---------------------------


def test_a_case_state_is_stored_without_its_spec_and_with_the_serializer_version(
    loa3_spec: str,
) -> None:
    clock = FixedClock(START)
    state = json.loads(CaseRunner.start(loa3_spec, {"holder": "frida"}, clock).dump())
    assert "spec" not in state and "subprocess_specs" not in state
    assert state["serializer_version"] == SERIALIZER_VERSION
    assert len(json.dumps(state)) < len(loa3_spec)


def test_a_spec_is_parsed_once_per_version_text(loa3_spec: str, loa2_spec: str) -> None:
    assert load_spec(loa3_spec) is load_spec(loa3_spec)
    assert load_spec(loa3_spec) is not load_spec(loa2_spec)


def test_a_reloaded_case_runs_its_scripts_on_the_new_clock(loa3_spec: str) -> None:
    """The timer set after a reload is judged on the clock the reload was given."""
    runner = CaseRunner.start(loa3_spec, {"holder": "frida"}, FixedClock(START))
    later = FixedClock(START + timedelta(days=1))
    reloaded = CaseRunner.load(loa3_spec, runner.dump(), later)
    assert reloaded.engine is not runner.engine
    assert [t.due_at for t in reloaded.waiting_timers()] == [START + timedelta(days=5)]


# --- decisions: DMN tables outside any case ----------------------------------------------


def _table(name: str) -> str:
    return (PROCESSES_DIR / f"{name}.dmn").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("loa", "issued_on", "expected"),
    [
        (2, "2025-11-15", {"max_days": None, "max_months": 6, "rule": "R11"}),
        (2, "2025-11-16", {"max_days": 14, "max_months": None, "rule": "R11"}),
        (3, "2026-11-23", {"max_days": None, "max_months": 6, "rule": "R9"}),
    ],
)
def test_r9_r11_validity_limits_answer_by_loa_and_issue_day(
    loa: int, issued_on: str, expected: dict[str, object]
) -> None:
    assert decide(_table("validity-limits"), {"loa": loa, "issued_on": issued_on}) == expected


def test_a_table_without_a_matching_row_answers_nothing() -> None:
    assert decide(_table("validity-limits"), {"loa": 4, "issued_on": "2026-11-23"}) == {}


def test_an_answer_is_a_copy_a_caller_cannot_change_for_the_next() -> None:
    table, inputs = _table("validity-limits"), {"loa": 2, "issued_on": "2026-11-23"}
    decide(table, inputs)["max_days"] = 99
    assert decide(table, inputs)["max_days"] == 14


def test_a_table_whose_expression_fails_is_a_sandbox_refusal() -> None:
    broken = _table("validity-limits").replace(
        '<text>? &lt; "2025-11-16"</text>', "<text>? &lt; no_such_name</text>"
    )
    with pytest.raises(ScriptRefused) as refused:
        decide(broken, {"loa": 2, "issued_on": "2026-11-23"})
    assert refused.value.rule == SANDBOX_RULE


# --- refusals: what the runner's door raises -----------------------------------------------


def test_refusals_are_domain_errors_a_user_is_shown() -> None:
    assert issubclass(ScriptRefused, NotPermitted)
    assert issubclass(ProcessDefinitionError, Invalid)
    with pytest.raises(ProcessDefinitionError):
        parse_processes({"broken.bpmn": "<bpmn:definitions"}, {})


def test_a_script_that_breaks_the_sandbox_is_refused_when_the_case_runs(loa2_spec: str) -> None:
    source = (PROCESSES_DIR / "loa2-remote-order.bpmn").read_text(encoding="utf-8")
    hostile = source.replace("cycle &gt; 1", "__import__('os').system('true') or cycle &gt; 1")
    [parsed] = parse_processes({"hostile.bpmn": hostile}, {})
    with pytest.raises(ScriptRefused) as refused:
        CaseRunner.start(parsed.spec_json, {"holder": "erik", "cycle": 1}, FixedClock(START))
    assert refused.value.rule == SANDBOX_RULE
