"""`card revoke` (R19) through the installed `sithsflow` script, as CONTRACT.md names it:
`card revoke NUMBER --as USER --reason R [--via national-support-line]` answers
`card: {number, state: "revoked"}`; refusals exit 2 with R19 and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli import Cli
from tests.e2e.test_cli import cli_demo_template
from tests.e2e.test_cli import snapshot

pytestmark = pytest.mark.slow

__all__ = ["cli_demo_template"]
TUESDAY_22 = "2026-11-24T22:00:00+01:00"
AFTER_EXPIRY = "2026-12-10T12:00:00+01:00"


@pytest.fixture
def revoke_cli(tmp_path: Path, cli_demo_template: Path) -> Cli:
    path = tmp_path / "sithsflow.db"
    path.write_bytes(cli_demo_template.read_bytes())
    return Cli(f"sqlite:///{path}")


def test_cli_r19_sara_revokes_a_lost_card_at_22_via_the_national_support_line(
    revoke_cli: Cli,
) -> None:
    cli = revoke_cli
    case_id = cli.order_and_issue_loa2("RK000002")
    before = snapshot(cli)
    cli.refused(
        "card", "revoke", "RK000002", "--as", "cecilia", "--reason", "lost",
        now=TUESDAY_22, rule="R19",
    )  # fmt: skip
    cli.refused(
        "card", "revoke", "RK000002", "--as", "sara", "--reason", "misplaced",
        now=TUESDAY_22, rule="R19",
    )  # fmt: skip
    assert snapshot(cli) == before

    answer = cli.ok(
        "card", "revoke", "RK000002", "--as", "sara", "--reason", "lost",
        "--via", "national-support-line", now=TUESDAY_22,
    )  # fmt: skip
    assert answer["card"]["number"] == "RK000002"
    assert answer["card"]["state"] == "revoked"
    assert answer["card"]["via"] == "national_support_line"
    assert answer["card"]["revoked_at"] == TUESDAY_22  # local time, like every other time
    assert answer["card"]["ended_cases"] == [case_id]
    assert cli.ok("card", "show", "RK000002")["card"]["state"] == "revoked"
    assert cli.case(case_id)["state"] == "cancelled"
    assert cli.ok("timers", "run", now=AFTER_EXPIRY)["fired"] == []


def test_cli_r19_employment_end_revokes_at_the_date_and_waits_for_the_return(
    revoke_cli: Cli,
) -> None:
    cli = revoke_cli
    cli.order_and_issue_loa2("RK000003")
    started = cli.ok(
        "case", "start", "employment-end", "--as", "sara", "--set", "holder=erik",
        "--set", "organisation=hemtjanst-demo", "--set", "ends_on=2026-11-30",
        now="2026-11-24T10:00:00+01:00",
    )  # fmt: skip
    case_id = int(started["case"]["id"])
    fired = cli.ok("timers", "run", now="2026-12-01T00:05:00+01:00")["fired"]
    assert {"case": case_id, "timer": "end_date"} in [
        {"case": f["case"], "timer": f["timer"]} for f in fired
    ]
    assert cli.ok("card", "show", "RK000003")["card"]["state"] == "revoked"
    task = cli.ready_task(case_id, "register_return")
    done = cli.ok(
        "task", "complete", task, "--as", "sara", "--set", "returned=cut",
        now="2026-12-02T10:00:00+01:00",
    )  # fmt: skip
    assert done["case"]["state"] == "completed"


def test_cli_r20_forgotten_card_with_two_attesters(revoke_cli: Cli) -> None:
    cli = revoke_cli
    evening = "2026-03-02T18:00:00+01:00"
    cli.refused(
        "case", "start", "forgotten-card", "--as", "erik", "--set", "attester_1=hanna",
        "--set", "attester_2=ivan", "--set", "card_number=RK000007", now=evening, rule="R20",
    )  # fmt: skip
    started = cli.ok(
        "case", "start", "forgotten-card", "--as", "frida", "--set", "attester_1=hanna",
        "--set", "attester_2=ivan", "--set", "card_number=RK000007", now=evening,
    )  # fmt: skip
    case_id = int(started["case"]["id"])
    for attester in ("hanna", "ivan"):
        tasks = cli.ok("task", "list", "--as", attester, now=evening)["tasks"]
        task = next(t["id"] for t in tasks if t["case"] == case_id)
        cli.ok(
            "task", "complete", task, "--as", attester, "--set", "attestation=known_colleague",
            now=evening,
        )  # fmt: skip
    card = cli.ok("card", "show", "RK000007")["card"]
    assert (card["state"], card["loa"], card["holder"]) == ("issued", 2, "frida")
