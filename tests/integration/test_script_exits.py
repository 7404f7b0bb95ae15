"""A script raising a BaseException is a refusal (SANDBOX) or a failed timer, never an exit
of the calling process (issue 10: `raise SystemExit` ended the CLI with exit 0, dropped
the API's connection, and killed the timer sweep every minute)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.model import AuditEvent
from engine.model import Timer
from engine.runner import SANDBOX_RULE
from engine.runner import ScriptRefused
from engine.services.deploy import deploy_files
from engine.services.timers import fire_due_timers
from tests.support.exiting_scripts import BASE_EXCEPTIONS
from tests.support.exiting_scripts import write_bundle
from tests.support.flows import Flows


@pytest.mark.parametrize("mode", BASE_EXCEPTIONS)
def test_sandbox_a_base_exception_from_a_script_refuses_the_step_and_changes_nothing(
    flows: Flows, tmp_path: Path, mode: str
) -> None:
    process_id, files = write_bundle(tmp_path, timer=False)
    deploy_files(flows.runtime, flows.clock, files, actor="petra")
    before = flows.rows_but_audit()
    with pytest.raises(ScriptRefused, match=mode) as refused:
        flows.start(process_id, "sara", mode=mode)
    assert refused.value.rule == SANDBOX_RULE
    assert flows.rows_but_audit() == before
    assert flows.start(process_id, "sara", mode="ok").state == "completed"


def test_sandbox_a_timer_whose_script_raises_system_exit_fails_and_later_timers_fire(
    flows: Flows, tmp_path: Path
) -> None:
    process_id, files = write_bundle(tmp_path, timer=True)
    deploy_files(flows.runtime, flows.clock, files, actor="petra")
    exiting = flows.at("2026-11-23 15:01").start(process_id, "sara", mode="SystemExit")
    later = flows.at("2026-11-23 15:02").start(process_id, "sara", mode="ok")
    # Both timers are due in one sweep; the first one's script raises SystemExit.
    fired = fire_due_timers(flows.runtime, flows.at("2026-11-25 10:00").clock)
    assert [(f.case, f.timer) for f in fired] == [(later.id, "wait")]
    assert flows.case(later.id)["state"] == "completed"
    with flows.runtime.database.sessions() as session:
        status = session.scalar(select(Timer.status).where(Timer.case_id == exiting.id))
        actions = list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == exiting.id))
        )
    assert status == "failed"
    assert actions.count("timer_failed") == 1
    assert flows.case(exiting.id)["state"] == "open"
