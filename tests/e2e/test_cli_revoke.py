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
    assert answer["card"]["ended_cases"] == [case_id]
    assert cli.ok("card", "show", "RK000002")["card"]["state"] == "revoked"
    assert cli.case(case_id)["state"] == "cancelled"
    assert cli.ok("timers", "run", now=AFTER_EXPIRY)["fired"] == []
