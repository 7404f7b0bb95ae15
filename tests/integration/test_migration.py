"""S5: petra moves LoA2 cases in their renewal loop to a new version, after a dry run.

Version 2 of loa2-remote-order renames the renewal task's title, so a step that runs on
version 2 shows it. A version that renames the waiting `request_renewal` task blocks the
cases waiting there (and only those), with the reason. Nothing moves silently, every move
is audited with both versions, and a moved case keeps its tasks, timers and history.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import AuditEvent
from engine.services.deploy import PROCESSES_DIR
from engine.services.deploy import deploy_files
from engine.services.deploy.bundle import FORMS_DIR
from engine.services.migration import MigrationReport
from engine.services.migration import migrate_cases
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows

PROCESS = "loa2-remote-order"
RENEW_TITLE = 'name="Förläng LoA2-certifikat"'
RENEW_TITLE_V2 = 'name="Förläng LoA2-certifikat (version 2)"'


def deploy_variant(flows: Flows, folder: Path, *replacements: tuple[str, str]) -> None:
    source = (PROCESSES_DIR / f"{PROCESS}.bpmn").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in source
        source = source.replace(old, new)
    path = folder / f"{PROCESS}.bpmn"
    path.write_text(source, encoding="utf-8")
    # A renamed task keeps its form under the new name: a bundle needs every task's form.
    forms = []
    for old, new in replacements:
        form = FORMS_DIR / f"{PROCESS}.{old}.json"
        if form.exists():
            forms.append(folder / f"{PROCESS}.{new}.json")
            forms[-1].write_text(form.read_text(encoding="utf-8"), encoding="utf-8")
    deployed = deploy_files(flows.runtime, flows.clock, [path, *forms], actor="petra")
    assert [(d.id, d.new) for d in deployed] == [(PROCESS, True)]


def in_loop(flows: Flows, card: str, renewals: int = 0) -> int:
    """A remote order issued Monday 15:01 (14 days), renewed `renewals` times on Friday."""
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number=card, valid_until="2026-12-07")
    for _ in range(renewals):
        flows.at("2026-11-27 16:00").complete(case.id, "request_renewal", "david")
        flows.complete(case.id, "renew_loa2", "sara", valid_until="2026-12-11")
    return case.id


def migrate(flows: Flows, *cases: int, dry_run: bool, user: str = "petra") -> MigrationReport:
    return migrate_cases(flows.runtime, flows.clock, PROCESS, 2, user, list(cases), dry_run=dry_run)


def open_work(flows: Flows, case_id: int) -> tuple[object, object]:
    shown = flows.case(case_id)
    tasks = sorted((t["id"], t["name"]) for t in shown["tasks"] if t["state"] == "ready")
    timers = sorted((t["name"], t["due_at"]) for t in shown["timers"] if t["status"] == "waiting")
    return tasks, timers


def case_events(flows: Flows, case_id: int, action: str) -> list[AuditEvent]:
    with flows.runtime.database.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.action == action)
            )
        )


def test_s5_loa2_cases_mid_loop_move_after_a_dry_run_and_renew_on_version_2(
    flows: Flows, tmp_path: Path
) -> None:
    first = in_loop(flows, "RK000001")
    renewed = in_loop(flows, "RK000002", renewals=1)
    ordered = flows.at("2026-11-27 16:05").order_loa2("david", holder="erik").id
    work = {case_id: open_work(flows, case_id) for case_id in (first, renewed, ordered)}
    flows.at("2026-11-28 10:00")
    deploy_variant(flows, tmp_path, (RENEW_TITLE, RENEW_TITLE_V2))
    # A deploy never moves a case (S5).
    assert {flows.case(c)["version"] for c in work} == {1}

    before = flows.rows_but_audit()
    dry = migrate(flows, dry_run=True)
    assert (dry.movable, dry.blocked, dry.moved) == ((first, renewed, ordered), (), ())
    assert flows.rows_but_audit() == before
    assert {flows.case(c)["version"] for c in work} == {1}

    done = migrate(flows, dry_run=False)
    assert (done.movable, done.moved) == ((first, renewed, ordered), (first, renewed, ordered))
    for case_id, (tasks, timers) in work.items():
        shown = flows.case(case_id)
        assert (shown["version"], shown["state"]) == (2, "open")
        # The same tasks wait, the timers keep their due times, the history stays.
        assert open_work(flows, case_id) == (tasks, timers)
        assert [e["action"] for e in shown["history"]][0] == "start"
        (event,) = case_events(flows, case_id, "migrated")
        details = json.loads(event.details_json)
        assert (details["from"], details["to"]) == (f"{PROCESS}@1", f"{PROCESS}@2")
        assert (event.actor, event.role, event.rule) == ("petra", "process_owner", "S5")

    # The renewal runs on version 2: its title, and the audit names version 2.
    flows.at("2026-12-04 16:00").complete(first, "request_renewal", "david")
    renew = next(t for t in flows.case(first)["tasks"] if t["name"] == "renew_loa2")
    assert renew["title"] == "Förläng LoA2-certifikat (version 2)"
    flows.complete(first, "renew_loa2", "sara", valid_until="2026-12-18")
    shown = flows.case(first)
    assert shown["cycle"] == 2 and shown["state"] == "open"
    assert shown["history"][-1]["process_version"] == f"{PROCESS}@2"
    assert "request_renewal" in [t["name"] for t in shown["tasks"] if t["state"] == "ready"]

    # The moved case's timers fire on version 2: the certificate of `renewed` runs out.
    fired = fire_due_timers(flows.runtime, flows.at("2026-12-11 16:01").clock)
    assert (renewed, "expiry") in [(f.case, f.timer) for f in fired]
    assert flows.case(renewed)["state"] == "expired"


def test_s5_a_case_whose_waiting_task_is_gone_in_the_target_is_blocked_with_the_reason(
    flows: Flows, tmp_path: Path
) -> None:
    looping = in_loop(flows, "RK000001")
    ordered = flows.order_loa2("david", holder="erik").id
    deploy_variant(flows, tmp_path, ("request_renewal", "request_extension"))

    dry = migrate(flows, dry_run=True)
    assert dry.movable == (ordered,)
    ((blocked_id, reason),) = [(b.case, b.reason) for b in dry.blocked]
    assert blocked_id == looping
    assert "The waiting task 'request_renewal' does not exist in loa2-remote-order@2" in reason

    done = migrate(flows, looping, ordered, dry_run=False)
    assert done.moved == (ordered,)
    assert [b.case for b in done.blocked] == [looping]
    assert flows.case(looping)["version"] == 1
    assert flows.case(ordered)["version"] == 2
    (stayed,) = case_events(flows, looping, "migration_blocked")
    assert "request_renewal" in stayed.message
    # The blocked case goes on as before, on version 1.
    flows.at("2026-12-04 16:00").complete(looping, "request_renewal", "david")
    assert flows.case(looping)["history"][-1]["process_version"] == f"{PROCESS}@1"


def test_s5_a_completed_step_missing_in_the_target_blocks(flows: Flows, tmp_path: Path) -> None:
    looping = in_loop(flows, "RK000001")
    deploy_variant(flows, tmp_path, ("issue_loa2", "issue_loa2_v2"))
    dry = migrate(flows, looping, dry_run=True)
    assert dry.movable == ()
    assert "The completed step 'issue_loa2' does not exist" in dry.blocked[0].reason


def test_s5_named_cases_that_cannot_move_are_listed_with_why(flows: Flows, tmp_path: Path) -> None:
    expired = flows.order_loa2("david", holder="erik").id
    flows.complete(expired, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07")
    fire_due_timers(flows.runtime, flows.at("2026-12-08 10:00").clock)
    loa3 = flows.start_loa3("anna", holder="frida").id
    deploy_variant(flows, tmp_path, (RENEW_TITLE, RENEW_TITLE_V2))
    report = migrate(flows, expired, loa3, dry_run=True)
    reasons = {b.case: b.reason for b in report.blocked}
    assert "The case is expired." in reasons[expired]
    assert "The case belongs to process 'loa3-reserve'." in reasons[loa3]
    with pytest.raises(NotFound):
        migrate(flows, 9999, dry_run=True)


@pytest.mark.parametrize("user", ["anna", "cecilia", "sara"])
def test_s1_only_a_process_owner_may_migrate(flows: Flows, tmp_path: Path, user: str) -> None:
    in_loop(flows, "RK000001")
    deploy_variant(flows, tmp_path, (RENEW_TITLE, RENEW_TITLE_V2))
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted) as refused:
        migrate(flows, dry_run=False, user=user)
    assert refused.value.rule == "S1"
    assert flows.rows_but_audit() == before


def test_s5_a_version_that_does_not_exist_is_refused(flows: Flows) -> None:
    in_loop(flows, "RK000001")
    with pytest.raises(NotFound) as refused:
        migrate(flows, dry_run=True)
    assert refused.value.rule == "S5"


def test_s5_a_moved_case_keeps_the_deadline_it_was_given(flows: Flows, tmp_path: Path) -> None:
    """R7 stays 5 days for an open case even when the target counts 7 from a new start; R6
    still keeps the first admin from the second verification."""
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida").id
    before = open_work(flows, case)
    source = (PROCESSES_DIR / "loa3-reserve.bpmn").read_text(encoding="utf-8")
    seven_days = source.replace('"P5D"', '"P7D"')
    assert seven_days != source
    path = tmp_path / "loa3-reserve.bpmn"
    path.write_text(seven_days, encoding="utf-8")
    flows.at("2026-11-25 10:00")
    deploy_files(flows.runtime, flows.clock, [path], actor="petra")
    report = migrate_cases(
        flows.runtime, flows.clock, "loa3-reserve", 2, "petra", [case], dry_run=False
    )
    assert report.moved == (case,)
    assert flows.case(case)["version"] == 2
    assert open_work(flows, case) == before
    # R6 holds on the moved task: the first admin cannot make the second verification.
    with pytest.raises(NotPermitted) as refused:
        flows.complete(
            case,
            "second_verification",
            "anna",
            id_document="passport",
            card_number="RK000001",
            valid_until="2027-05-01",
        )
    assert refused.value.rule == "R6"
    fire_due_timers(flows.runtime, flows.at("2026-11-28 10:00").clock)
    assert flows.case(case)["state"] == "lapsed"


def test_s5_a_target_that_changes_the_timers_of_a_waiting_task_blocks(
    flows: Flows, tmp_path: Path
) -> None:
    looping = in_loop(flows, "RK000001")
    moved_reminder = (
        'cancelActivity="false" attachedToRef="request_renewal"',
        'cancelActivity="false" attachedToRef="renew_loa2"',
    )
    deploy_variant(flows, tmp_path, moved_reminder)
    dry = migrate(flows, looping, dry_run=True)
    assert dry.movable == ()
    assert "changes the events (such as timers) attached to the waiting task 'request_renewal'" in (
        dry.blocked[0].reason
    )
