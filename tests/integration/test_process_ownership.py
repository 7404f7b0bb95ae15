"""S1 and versions: only a process owner deploys, activates (rolls back) and suspends; a
deploy is one audited, all-or-nothing version that becomes active; open cases stay on
the version they started on; the bundled defaults never override an owner's versions."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.errors import Conflict
from engine.errors import NotPermitted
from engine.model import AuditEvent
from engine.model import Timer
from engine.problems import ModelRejected
from engine.services.deploy import deploy_bundled
from engine.services.deploy import deploy_files
from engine.services.deploy import versions
from tests.support.bundles import bundled_source
from tests.support.bundles import with_r7_deadline
from tests.support.bundles import write
from tests.support.flows import Flows
from tests.support.flows import local


def seven_day_loa3(tmp_path: Path) -> Path:
    """petra's change: the R7 deadline timer of loa3-reserve made 7 days."""
    source = with_r7_deadline(bundled_source("loa3-reserve.bpmn"), "P7D")
    return write(tmp_path, "loa3-reserve.bpmn", source)


def deadline_of(flows: Flows, case_id: int) -> object:
    with flows.runtime.database.sessions() as session:
        return session.scalars(
            select(Timer.due_at).where(Timer.case_id == case_id, Timer.name == "deadline")
        ).one()


def audit_of(flows: Flows, action: str) -> list[AuditEvent]:
    with flows.runtime.database.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


@pytest.mark.parametrize("user", ["anna", "olof", "sara", "nobody"])
def test_s1_only_a_process_owner_deploys(flows: Flows, tmp_path: Path, user: str) -> None:
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted) as refused:
        deploy_files(flows.runtime, flows.clock, [seven_day_loa3(tmp_path)], user)
    assert refused.value.rule == "S1"
    assert user in refused.value.message
    assert flows.rows_but_audit() == before
    refusal = audit_of(flows, "refused:deploy")[-1]
    assert (refusal.actor, refusal.role) == (user, None)


def test_s1_anna_cannot_activate_suspend_or_resume(flows: Flows) -> None:
    for attempt in (
        lambda: versions.activate(flows.runtime, flows.clock, "loa3-reserve", 1, "anna"),
        lambda: versions.set_suspended(
            flows.runtime, flows.clock, "loa3-reserve", "anna", suspended=True
        ),
        lambda: versions.set_suspended(
            flows.runtime, flows.clock, "loa3-reserve", "nobody", suspended=False
        ),
    ):
        with pytest.raises(NotPermitted) as refused:
            attempt()
        assert refused.value.rule == "S1"


def test_s1_petras_seven_day_bundle_is_version_2_active_and_open_cases_keep_5_days(
    flows: Flows, tmp_path: Path
) -> None:
    running = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    deployed = deploy_files(flows.runtime, flows.clock, [seven_day_loa3(tmp_path)], "petra")
    assert [(d.id, d.version, d.new, d.active) for d in deployed] == [
        ("loa3-reserve", 2, True, True)
    ]
    listed = versions.list_versions(flows.runtime, "loa3-reserve")
    assert [(v.version, v.active, v.open_cases, v.deployed_by) for v in listed] == [
        (1, False, 1, "system"),
        (2, True, 0, "petra"),
    ]
    new = flows.start_loa3("anna", holder="frida")
    assert (running.version, new.version) == (1, 2)
    assert deadline_of(flows, running.id) == local("2026-11-28 10:00")
    assert deadline_of(flows, new.id) == local("2026-11-30 10:00")
    # The audit names every file by its SHA-256 and what changed against the active version.
    (deploy,) = [e for e in audit_of(flows, "deploy") if e.actor == "petra"]
    details = json.loads(deploy.details_json)
    assert set(details["files"]) == {"loa3-reserve.bpmn"}
    assert len(details["files"]["loa3-reserve.bpmn"]) == 64
    assert details["changes"]["timers"]["changed"] == ["deadline"]
    assert details["previous_active"] == 1
    assert deploy.process_version == "loa3-reserve@2"


def test_s1_activating_version_1_rolls_back_and_new_cases_get_it(
    flows: Flows, tmp_path: Path
) -> None:
    deploy_files(flows.runtime, flows.clock, [seven_day_loa3(tmp_path)], "petra")
    state = versions.activate(flows.runtime, flows.clock, "loa3-reserve", 1, "petra")
    assert (state.id, state.active_version) == ("loa3-reserve", 1)
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    assert case.version == 1
    assert deadline_of(flows, case.id) == local("2026-11-28 10:00")
    assert [v.active for v in versions.list_versions(flows.runtime, "loa3-reserve")] == [
        True,
        False,
    ]
    with pytest.raises(Exception, match="version 9"):
        versions.activate(flows.runtime, flows.clock, "loa3-reserve", 9, "petra")


def test_s1_a_suspended_process_refuses_new_cases_and_open_ones_go_on(flows: Flows) -> None:
    running = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    versions.set_suspended(flows.runtime, flows.clock, "loa3-reserve", "petra", suspended=True)
    before = flows.rows_but_audit()
    with pytest.raises(Conflict, match="suspended"):
        flows.start_loa3("anna", holder="frida")
    assert flows.rows_but_audit() == before
    done = flows.complete(
        running.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until="2027-05-23",
    )
    assert done.state == "completed"
    versions.set_suspended(flows.runtime, flows.clock, "loa3-reserve", "petra", suspended=False)
    assert flows.start_loa3("anna", holder="frida").version == 1


def test_s1_a_dry_run_checks_and_stores_nothing(flows: Flows, tmp_path: Path) -> None:
    before = flows.rows_but_audit()
    deployed = deploy_files(
        flows.runtime, flows.clock, [seven_day_loa3(tmp_path)], "petra", dry_run=True
    )
    assert [(d.id, d.version, d.new) for d in deployed] == [("loa3-reserve", 2, True)]
    assert flows.rows_but_audit() == before


def test_s1_a_broken_change_is_refused_with_problems_and_the_active_version_stays(
    flows: Flows, tmp_path: Path
) -> None:
    broken = bundled_source("loa3-reserve.bpmn").replace('name="loa3_admin"', 'name="clerk"')
    before = flows.rows_but_audit()
    with pytest.raises(ModelRejected) as refused:
        deploy_files(
            flows.runtime, flows.clock, [write(tmp_path, "loa3-reserve.bpmn", broken)], "petra"
        )
    assert refused.value.problems
    assert all(p.file == "loa3-reserve.bpmn" for p in refused.value.problems)
    assert any("clerk" in p.message for p in refused.value.problems)
    assert flows.rows_but_audit() == before
    assert flows.at("2026-11-23 10:00").start_loa3().version == 1


def test_s1_db_init_twice_keeps_petras_versions(flows: Flows, tmp_path: Path) -> None:
    deploy_files(flows.runtime, flows.clock, [seven_day_loa3(tmp_path)], "petra")
    assert deploy_bundled(flows.runtime, flows.clock) == []
    assert deploy_bundled(flows.runtime, flows.clock) == []
    listed = versions.list_versions(flows.runtime, "loa3-reserve")
    assert [(v.version, v.active) for v in listed] == [(1, False), (2, True)]


def test_s1_diff_lists_the_changed_timer(flows: Flows, tmp_path: Path) -> None:
    deploy_files(flows.runtime, flows.clock, [seven_day_loa3(tmp_path)], "petra")
    found = versions.diff(flows.runtime, "loa3-reserve", 1, 2)
    assert found.changes.to_dict() == {
        "tasks": {"added": [], "removed": [], "changed": []},
        "forms": {"added": [], "removed": [], "changed": []},
        "timers": {"added": [], "removed": [], "changed": ["deadline"]},
        "rules": {"added": [], "removed": [], "changed": []},
    }


def test_s1_deploy_happens_at_the_deploy_clock(flows: Flows, tmp_path: Path) -> None:
    flows.at("2026-11-23 10:00")
    deploy_files(flows.runtime, flows.clock, [seven_day_loa3(tmp_path)], "petra")
    (_, second) = versions.list_versions(flows.runtime, "loa3-reserve")
    assert second.deployed_at - local("2026-11-23 10:00") == timedelta(0)
