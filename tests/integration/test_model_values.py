"""Values from the model: the R7 deadline of each case is its own version's timer.

petra's version 2 of loa3-reserve says 7 days ("P7D"; stored directly here, as a deploy
would store it). Its cases get 7 days in the timer, the audit, the refusal, the queue,
the form help and the reports, while the case started on version 1 keeps 5 days.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.clock import FixedClock
from engine.errors import NotPermitted
from engine.model import Timer
from engine.services.model_values import model_values
from engine.services.worklist import worklist
from reports import ReportRequest
from reports import generate_report
from tests.reports.conftest import pdf_text
from tests.support.flows import Flows
from tests.support.flows import local
from tests.support.versions import changed
from tests.support.versions import store_process

START = "2026-11-23 10:00"
SEVEN_DAYS = changed("loa3-reserve.bpmn", ('"P5D"', '"P7D"'))


def _second(flows: Flows, case_id: int) -> None:
    flows.complete(
        case_id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001" if case_id % 2 else "RK000002",
        valid_until="2027-05-20",
    )


def _due(flows: Flows, case_id: int) -> str:
    with flows.runtime.database.sessions() as session:
        timer = session.scalars(select(Timer).where(Timer.case_id == case_id)).one()
        return timer.due_at.astimezone(UTC).isoformat()


def test_r7_a_seven_day_version_gives_its_cases_seven_days_and_old_cases_keep_five(
    flows: Flows, tmp_path: Path
) -> None:
    five = flows.at(START).start_loa3("anna", holder="frida")
    store_process(flows, SEVEN_DAYS)
    seven = flows.start_loa3("anna", holder="erik")
    assert (five.version, seven.version) == (1, 2)

    # The timer rows: the same local clock time 5 and 7 days later.
    assert _due(flows, five.id) == local("2026-11-28 10:00").astimezone(UTC).isoformat()
    assert _due(flows, seven.id) == local("2026-11-30 10:00").astimezone(UTC).isoformat()

    # The audit tells each case its own deadline.
    def told(case_id: int) -> list[str]:
        return [h["message"] for h in flows.case(case_id)["history"] if h["rule"] == "R7"]

    assert told(five.id) == [
        "Andra verifieringen senast 2026-11-28 10:00 / Second verification by 2026-11-28 10:00"
    ]
    assert told(seven.id) == [
        "Andra verifieringen senast 2026-11-30 10:00 / Second verification by 2026-11-30 10:00"
    ]

    # The queue: "x d kvar av 5 dagar" and "… av 7 dagar".
    flows.at("2026-11-24 10:00")
    work = worklist(flows.runtime, flows.clock, "bertil")
    totals = {
        task.case: task.deadline.total_days
        for task in work.queues["loa3_admin"].items
        if task.deadline
    }
    assert totals == {five.id: 5, seven.id: 7}

    # The form help of each case, and of a case that would start now (the newest version).
    def days(case_id: int | None) -> str:
        shown = model_values(flows.runtime, flows.clock, "loa3-reserve", case_id)
        return shown.placeholders("sv")["r7_days"]

    assert (days(five.id), days(seven.id), days(None)) == ("5", "7", "7")
    form = flows.runtime.forms.get("loa3-reserve", "second_verification")
    assert form is not None
    shown = model_values(flows.runtime, flows.clock, "loa3-reserve", seven.id).placeholders("sv")
    assert "inom 7 dagar från den första kontrollen" in form.help("id_document", "sv", shown)

    # The refusal after the deadline names the case's own length.
    flows.at("2026-11-28 10:00")
    with pytest.raises(NotPermitted, match="inom 5 dagar") as refused:
        _second(flows, five.id)
    assert refused.value.rule == "R7"
    flows.at("2026-11-29 10:00")
    _second(flows, seven.id)  # within its 7 days, as its audit said
    assert flows.case(seven.id)["state"] == "completed"

    # The deadlines report: each row its own deadline; the intro names both lengths.
    out = tmp_path / "deadlines.pdf"
    request = ReportRequest.parse("deadlines", out=out, first="2026-11-01", last="2026-11-30")
    generate_report(flows.runtime, FixedClock(local("2026-11-29 12:00")), request)
    text = pdf_text(out)
    assert "5, 7 dagar enligt dess processversion" in text
    assert f"#{five.id}" in text and "2026-11-28 10:00" in text
    assert f"#{seven.id}" in text and "2026-11-30 10:00" in text


def test_r7_refusal_of_a_seven_day_case_says_seven_days(flows: Flows) -> None:
    store_process(flows, SEVEN_DAYS)
    case = flows.at(START).start_loa3("anna", holder="frida")
    flows.at("2026-11-30 10:00")
    with pytest.raises(NotPermitted, match="inom 7 dagar") as refused:
        _second(flows, case.id)
    assert "within 7 days" in refused.value.message


def test_r8_staffing_report_reads_the_deadline_of_the_version_new_cases_start_on(
    flows: Flows, tmp_path: Path
) -> None:
    store_process(flows, SEVEN_DAYS)
    out = tmp_path / "staffing.pdf"
    request = ReportRequest.parse("staffing", out=out, first="2026-11-01", last="2026-11-30")
    generate_report(flows.runtime, FixedClock(local("2026-11-29 12:00")), request)
    assert "inom 7 dagar (R6, R7)" in pdf_text(out)
