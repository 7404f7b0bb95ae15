"""Timers: rows with a UTC due instant, fired exactly once by `fire_due_timers`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy import text

from engine.model import AuditEvent
from engine.model import Timer
from engine.services import queries
from engine.services.deploy import deploy_files
from engine.services.timers import fire_due_timers
from tests.support.bundles import form_schema
from tests.support.bundles import write
from tests.support.flows import Flows
from tests.support.versions import store_process

# A timer one local day after the start leads to a script that always fails.
FAILING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="failing-definitions" targetNamespace="https://sithsflow.example/test">
  <bpmn:process id="failing" name="Failing" isExecutable="true">
    <bpmn:laneSet id="failing-lanes">
      <bpmn:lane id="lane_desk" name="service_desk">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>boom</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>done</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait" name="wait">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer"><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="boom" name="boom">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>x = 1 / int(divisor)</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="boom" />
    <bpmn:sequenceFlow id="f3" sourceRef="boom" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>
"""


DIVISOR_FORM = form_schema("Failing", "divisor")
DIVISOR_FORM["properties"]["divisor"]["enum"] = ["1", "0"]
for _lang in ("sv", "en"):
    DIVISOR_FORM["properties"]["divisor"][f"x-enum-labels-{_lang}"] = {"1": "1", "0": "0"}

# A timer one local day after the start ends a cycle; the next cycle's script fails, so
# the refusal comes after the case rows changed (the cycle count, the new cycle's audit).
FAILING_NEXT_CYCLE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="cycling-definitions" targetNamespace="https://sithsflow.example/test">
  <bpmn:process id="cycling" name="Cycling" isExecutable="true">
    <bpmn:laneSet id="cycling-lanes">
      <bpmn:lane id="lane_desk" name="service_desk">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>check</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>again</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="check" name="check">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>try:
    seen = 1 / (2 - cycle)
except NameError:
    seen = 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:intermediateCatchEvent id="wait" name="wait">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer"><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="again">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="continue_as_new" value="true" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check" />
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="wait" />
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="again" />
  </bpmn:process>
</bpmn:definitions>
"""


def issued(flows: Flows, at: str = "2026-11-23 15:01", card: str = "RK000001") -> int:
    """A remote LoA2 order issued until 2026-12-07, same clock time (R11)."""
    case = flows.at(at).order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number=card, valid_until="2026-12-07")
    return case.id


def timers_of(flows: Flows, case_id: int) -> dict[str, Timer]:
    """The latest timer row per name."""
    with flows.runtime.database.sessions() as session:
        rows = session.scalars(select(Timer).where(Timer.case_id == case_id).order_by(Timer.id))
        return {row.name: row for row in rows}


def audit_actions(flows: Flows, case_id: int) -> list[str]:
    with flows.runtime.database.sessions() as session:
        query = select(AuditEvent.action).where(AuditEvent.case_id == case_id)
        return list(session.scalars(query.order_by(AuditEvent.id)))


def fire(flows: Flows, at: str) -> list[tuple[int, str]]:
    return [(f.case, f.timer) for f in fire_due_timers(flows.runtime, flows.at(at).clock)]


@contextmanager
def statements(flows: Flows) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        seen.append((sql, params))

    engine = flows.runtime.database.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_timers_are_rows_with_their_due_instant_in_utc(flows: Flows) -> None:
    case_id = issued(flows)  # 2026-11-23 15:01 CET is 14:01 UTC
    timers = timers_of(flows, case_id)
    assert {name: (t.status, t.rule) for name, t in timers.items()} == {
        "reminder": ("waiting", "R15"),
        "expiry": ("waiting", "R11"),
    }
    assert timers["expiry"].due_at == datetime(2026, 12, 7, 14, 1, tzinfo=UTC)
    assert timers["reminder"].due_at == datetime(2026, 12, 4, 14, 1, tzinfo=UTC)
    with flows.runtime.database.sessions() as session:
        stored = session.execute(text("SELECT due_at FROM timers WHERE name = 'expiry'")).scalar()
    assert str(stored).startswith("2026-12-07 14:01:00")


def test_r7_deadline_timer_across_the_spring_dst_change_is_119_hours(flows: Flows) -> None:
    case = flows.at("2026-03-26 10:00").start_loa3("anna", holder="frida")
    deadline = timers_of(flows, case.id)["deadline"]
    assert deadline.due_at == datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert deadline.due_at - flows.clock.now() == timedelta(hours=119)


def test_due_timers_are_claimed_in_batches_with_one_indexed_statement(flows: Flows) -> None:
    cases = [issued(flows, card=f"RK00000{n}") for n in (1, 2, 3)]
    with statements(flows) as seen:
        fired = fire_due_timers(flows.runtime, flows.at("2026-12-04 15:01").clock, batch_size=2)
    assert [(f.case, f.timer) for f in fired] == [(case_id, "reminder") for case_id in cases]
    claims = [(sql, p) for sql, p in seen if "due_at <=" in sql and "UPDATE timers" in sql]
    # A batch of two, a batch of one, one that finds nothing; none joins other tables.
    assert len(claims) == 3, seen
    assert not any("due_at <=" in sql and "JOIN" in sql.upper() for sql, _ in seen)
    sql, params = claims[0]
    with flows.runtime.database.engine.connect() as conn:
        if flows.runtime.database.is_sqlite:
            plan = " ".join(
                str(r) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            )
        else:
            # A tiny table is cheaper to scan; forbid that to see whether the index serves.
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN {sql}", params))
    assert "ix_timers_status_due_at" in plan, plan


def test_firing_twice_at_the_same_clock_fires_once(flows: Flows) -> None:
    case_id = issued(flows)
    assert fire(flows, "2026-12-04 15:01") == [(case_id, "reminder")]
    assert fire(flows, "2026-12-04 15:01") == []
    assert audit_actions(flows, case_id).count("timer_fired") == 1
    assert len(queries.list_outbox(flows.runtime)) == 1
    assert timers_of(flows, case_id)["reminder"].status == "fired"


def test_a_timer_not_yet_due_is_not_fired(flows: Flows) -> None:
    case_id = issued(flows)
    assert fire(flows, "2026-12-04 15:00:59") == []
    reminder = timers_of(flows, case_id)["reminder"]
    assert (reminder.status, reminder.fired_at) == ("waiting", None)
    assert "timer_fired" not in audit_actions(flows, case_id)


def test_r7_timers_of_a_completed_case_are_cancelled(flows: Flows) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    assert timers_of(flows, case.id)["deadline"].status == "waiting"
    flows.at("2026-11-25 10:00").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until="2027-05-25",
    )
    assert timers_of(flows, case.id)["deadline"].status == "cancelled"
    assert fire(flows, "2026-11-28 10:00") == []
    assert flows.case(case.id)["state"] == "completed"


def test_r11_timers_of_a_finished_renewal_cycle_are_cancelled(flows: Flows) -> None:
    case_id = issued(flows)
    flows.at("2026-12-04 16:00").complete(case_id, "request_renewal", "david")
    flows.complete(case_id, "renew_loa2", "sara", valid_until="2026-12-18")
    with flows.runtime.database.sessions() as session:
        rows = session.scalars(select(Timer).where(Timer.case_id == case_id)).all()
        by_status = sorted((t.name, t.status, t.due_at) for t in rows if t.status == "waiting")
        cancelled = sorted(t.name for t in rows if t.status == "cancelled")
    assert cancelled == ["expiry", "reminder", "renewal_expiry"]
    # The new cycle's timers are due at the renewed validity (2026-12-18 16:00 CET).
    assert by_status == [
        ("expiry", "waiting", datetime(2026, 12, 18, 15, 0, tzinfo=UTC)),
        ("reminder", "waiting", datetime(2026, 12, 15, 15, 0, tzinfo=UTC)),
    ]
    assert fire(flows, "2026-12-07 15:01") == []
    assert flows.case(case_id)["state"] == "open"


def test_a_failing_timer_is_marked_failed_and_does_not_block_the_others(
    flows: Flows, tmp_path: Path
) -> None:
    path = tmp_path / "failing.bpmn"
    path.write_text(FAILING, encoding="utf-8")
    # The failure depends on the case's data (divisor 0), so the deploy's smoke run, which
    # takes the form's first choice, passes it; the case started with 0 fails at its timer.
    start_form = write(tmp_path, "failing.start.json", json.dumps(DIVISOR_FORM))
    deploy_files(flows.runtime, flows.clock, [path, start_form], actor="petra")
    failing = flows.at("2026-11-23 15:01").start("failing", "sara", divisor="0")
    good = issued(flows)
    # The failing timer (due 2026-11-24) comes first; the reminder (2026-12-04) after it.
    assert fire(flows, "2026-12-04 15:01") == [(good, "reminder")]
    assert timers_of(flows, failing.id)["wait"].status == "failed"
    assert audit_actions(flows, failing.id).count("timer_failed") == 1
    assert flows.case(failing.id)["state"] == "open"
    # A failed timer is an incident for a person, not retried on every sweep.
    assert fire(flows, "2026-12-04 15:01") == []
    assert audit_actions(flows, failing.id).count("timer_failed") == 1


def test_a_timer_refused_after_its_case_changed_fails_alone_and_the_batch_goes_on(
    flows: Flows, tmp_path: Path
) -> None:
    # Stored past deploy validation: its smoke run would refuse the failing second cycle, and
    # the sweep must cope with a model that fails late all the same (S3: run-time checks).
    store_process(flows, FAILING_NEXT_CYCLE)
    first = issued(flows, card="RK000001")
    cycling = flows.at("2026-11-23 15:01").start("cycling", "sara")
    second = issued(flows, card="RK000002")
    before = flows.case(cycling.id)
    # One batch: the reminder, the cycling timer (due 2026-11-24) and the other reminder.
    fired = fire(flows, "2026-12-04 15:01")
    assert fired == [(first, "reminder"), (second, "reminder")]
    assert timers_of(flows, cycling.id)["wait"].status == "failed"
    actions = audit_actions(flows, cycling.id)
    assert actions.count("timer_failed") == 1
    assert "timer_fired" not in actions and "cycle_started" not in actions
    # The refusal rolled back what the step had changed: the case is as it was.
    after = flows.case(cycling.id)
    assert [after[k] for k in ("state", "data", "tasks")] == [
        before[k] for k in ("state", "data", "tasks")
    ]
