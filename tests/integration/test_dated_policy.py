"""S6: a DMN table change takes effect from its own date and never re-judges the past.

petra deploys validity-limits with LoA2 at 10 days instead of 14 (R11), effective from
Monday 2026-11-30. A 14-day certificate issued the week before stays lawful in the
LoA2-compliance report; an issue after the effective date is limited to 10 days; an issue
between the deploy and the effective date still gets 14; the audit names the table
version that judged each step.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.reporting.common import Period
from engine.reporting.common import StaffIndex
from engine.reporting.compliance import Loa2Compliance
from engine.services import queries
from engine.services.deploy import PROCESSES_DIR
from engine.services.deploy import deploy_files
from engine.services.policy import PolicyReader
from reports import ReportRequest
from reports import generate_report
from tests.reports.conftest import pdf_text
from tests.support.flows import Flows
from tests.support.flows import local

FOURTEEN = '<outputEntry id="r2_days"><text>14</text></outputEntry>'


def ten_day_table(folder: Path) -> Path:
    source = (PROCESSES_DIR / "validity-limits.dmn").read_text(encoding="utf-8")
    assert FOURTEEN in source
    path = folder / "validity-limits.dmn"
    path.write_text(source.replace(FOURTEEN, FOURTEEN.replace("14", "10")), encoding="utf-8")
    return path


def issue(flows: Flows, at: str, card: str, until: str) -> int:
    case = flows.at(at).order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number=card, valid_until=until)
    return case.id


def policy_of_issue(flows: Flows, case_id: int) -> str:
    return next(
        str(event["policy_version"])
        for event in flows.case(case_id)["history"]
        if event["task"] == "issue_loa2" and event["action"] == "complete"
    )


def deploy_ten_days(flows: Flows, folder: Path, effective: str) -> None:
    deployed = deploy_files(
        flows.runtime,
        flows.clock,
        [ten_day_table(folder)],
        actor="petra",
        effective_from=local(effective),
    )
    assert [(d.id, d.version) for d in deployed] == [("validity-limits", 2)]


def test_s6_a_changed_table_judges_from_its_effective_date_and_never_the_past(
    flows: Flows, tmp_path: Path
) -> None:
    week_before = issue(flows, "2026-11-23 15:01", "RK000001", "2026-12-07")
    flows.at("2026-11-24 16:00")
    deploy_ten_days(flows, tmp_path, "2026-11-30 00:00")

    # Deployed, not yet in force: the 14-day table still judges.
    between = issue(flows, "2026-11-26 15:01", "RK000002", "2026-12-10")
    assert "validity-limits@1" in policy_of_issue(flows, between)

    # In force: 10 days (R11), and the audit names version 2.
    case = flows.at("2026-11-30 15:01").order_loa2("david", holder="erik")
    with pytest.raises(NotPermitted, match=r"10 (dagar|days)") as refused:
        flows.complete(
            case.id, "issue_loa2", "sara", card_number="RK000003", valid_until="2026-12-11"
        )
    assert refused.value.rule == "R11"
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000003", valid_until="2026-12-10")
    assert queries.show_card(flows.runtime, "RK000003")["valid_until"].startswith("2026-12-10")
    assert "validity-limits@2" in policy_of_issue(flows, case.id)
    assert "validity-limits@1" in policy_of_issue(flows, week_before)

    # The LoA2-compliance report judges each certificate by the table of its own time.
    with flows.runtime.database.sessions() as session:
        policy = PolicyReader(session)
        report = Loa2Compliance(
            session,
            StaffIndex.load(session),
            policy,
            Period(local("2026-11-01 00:00").date(), local("2026-12-31 00:00").date()),
        )
        verdicts = {row.card_number: row.verdict for row in report.rows()}
        assert {number: v.violations for number, v in verdicts.items()} == {
            "RK000001": (),
            "RK000002": (),
            "RK000003": (),
        }
        assert verdicts["RK000001"].limit.days == 14
        assert verdicts["RK000003"].limit.days == 10
        assert "validity-limits@1" in policy.version and "validity-limits@2" in policy.version


def test_s6_a_certificate_past_the_new_limit_after_the_effective_date_is_a_violation(
    flows: Flows, tmp_path: Path
) -> None:
    flows.at("2026-11-24 16:00")
    deploy_ten_days(flows, tmp_path, "2026-11-30 00:00")
    # 14 days issued before the effective date is lawful; the same after it is not.
    lawful = issue(flows, "2026-11-29 20:00", "RK000001", "2026-12-13")
    with flows.runtime.database.sessions() as session:
        policy = PolicyReader(session)
        before = policy.validity_limit(2, local("2026-11-29 23:59"))
        after = policy.validity_limit(2, local("2026-11-30 00:00"))
    assert (before.days, after.days) == (14, 10)
    assert "validity-limits@1" in policy_of_issue(flows, lawful)


def test_s6_a_table_change_cannot_take_effect_before_its_deploy(
    flows: Flows, tmp_path: Path
) -> None:
    flows.at("2026-11-24 16:00")
    before = flows.rows_but_audit()
    with pytest.raises(Invalid) as refused:
        deploy_ten_days(flows, tmp_path, "2026-11-20 00:00")
    assert refused.value.rule == "S6"
    assert flows.rows_but_audit() == before


def test_s6_the_loa2_compliance_pdf_judges_last_weeks_certificate_by_its_own_table(
    flows: Flows, tmp_path: Path
) -> None:
    issue(flows, "2026-11-23 15:01", "RK000001", "2026-12-07")
    flows.at("2026-11-24 16:00")
    deploy_ten_days(flows, tmp_path, "2026-11-30 00:00")
    issue(flows, "2026-11-30 15:01", "RK000002", "2026-12-10")
    out = tmp_path / "loa2.pdf"
    request = ReportRequest.parse(
        "loa2-compliance", out=out, first="2026-11-01", last="2026-12-31", lang="en"
    )
    generate_report(flows.runtime, flows.at("2026-12-01 12:00").clock, request)
    text = pdf_text(out)
    assert "Violations (0)" in text and "Within the rules (2)" in text
    assert "RK000001 Erik Ek (erik)" in text and "at most 14 days (R11): 2026-12-07" in text
    assert "RK000002 Erik Ek (erik)" in text and "at most 10 days (R11): 2026-12-10" in text
    assert "validity-limits@1" in text and "validity-limits@2" in text
