"""`case cancel` (S4) and `process migrate` (S5) through the installed `sithsflow` script.

The JSON keys are CONTRACT.md's: `case: {id, state}` and `movable`, `blocked: [{case,
reason}]`, `moved`. Refusals exit 2 with the rule and change nothing but the audit trail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.services.deploy import PROCESSES_DIR
from engine.services.deploy.bundle import FORMS_DIR
from tests.e2e.test_cli import Cli
from tests.e2e.test_cli import cli_demo_template
from tests.e2e.test_cli import snapshot

pytestmark = pytest.mark.slow

__all__ = ["cli_demo_template"]  # the fixture this module's `lifecycle_cli` builds on
TUESDAY = "2026-11-24T16:00:00+01:00"
AFTER_EXPIRY = "2026-12-10T12:00:00+01:00"


@pytest.fixture
def lifecycle_cli(tmp_path: Path, cli_demo_template: Path) -> Cli:
    path = tmp_path / "sithsflow.db"
    path.write_bytes(cli_demo_template.read_bytes())
    return Cli(f"sqlite:///{path}")


def loa2_variant(folder: Path, old: str, new: str) -> Path:
    """A bundle folder: the changed BPMN, and a renamed task's form under its new name."""
    source = (PROCESSES_DIR / "loa2-remote-order.bpmn").read_text(encoding="utf-8")
    assert old in source
    bundle = folder / "bundle"
    bundle.mkdir(exist_ok=True)
    (bundle / "loa2-remote-order.bpmn").write_text(source.replace(old, new), encoding="utf-8")
    form = FORMS_DIR / f"loa2-remote-order.{old}.json"
    if form.exists():
        (bundle / f"loa2-remote-order.{new}.json").write_bytes(form.read_bytes())
    return bundle


def test_cli_s4_service_desk_cancels_a_loa2_case_and_the_card_stays_issued(
    lifecycle_cli: Cli,
) -> None:
    cli = lifecycle_cli
    case_id = cli.order_and_issue_loa2("RK000002")
    before = snapshot(cli)
    cli.refused(
        "case", "cancel", str(case_id), "--as", "cecilia", "--reason", "fel", now=TUESDAY, rule="S4"
    )
    assert snapshot(cli) == before
    answer = cli.ok(
        "case", "cancel", str(case_id), "--as", "sara", "--reason", "Fel person", now=TUESDAY
    )
    assert answer["case"]["id"] == case_id
    assert answer["case"]["state"] == "cancelled"
    assert cli.ok("timers", "run", now=AFTER_EXPIRY)["fired"] == []
    assert cli.ok("card", "show", "RK000002")["card"]["state"] == "issued"
    cli.refused(
        "case", "cancel", str(case_id), "--as", "sara", "--reason", "igen", now=TUESDAY, rule="S4"
    )


def test_cli_s5_migrate_after_a_dry_run_and_blocked_cases_say_why(
    lifecycle_cli: Cli, tmp_path: Path
) -> None:
    cli = lifecycle_cli
    looping = cli.order_and_issue_loa2("RK000002")
    renamed = loa2_variant(tmp_path, "request_renewal", "request_extension")
    cli.ok("process", "deploy", str(renamed), "--as", "petra", now=TUESDAY)
    migrate = ["process", "migrate", "loa2-remote-order", "--to", "2"]

    before = snapshot(cli)
    cli.refused(*migrate, "--as", "anna", now=TUESDAY, rule="S1")
    assert snapshot(cli) == before

    dry = cli.ok(*migrate, "--as", "petra", "--dry-run", now=TUESDAY)
    assert (dry["movable"], dry["moved"]) == ([], [])
    (blocked,) = dry["blocked"]
    assert blocked["case"] == looping
    assert "'request_renewal' does not exist in loa2-remote-order@2" in blocked["reason"]
    assert snapshot(cli) == before

    title = 'name="Förläng LoA2-certifikat"'
    retitled = loa2_variant(tmp_path, title, 'name="Förläng LoA2-certifikat v3"')
    cli.ok("process", "deploy", str(retitled), "--as", "petra", now=TUESDAY)
    to_three = ["process", "migrate", "loa2-remote-order", "--to", "3", "--as", "petra"]
    dry = cli.ok(*to_three, "--case", str(looping), "--dry-run", now=TUESDAY)
    assert (dry["movable"], dry["blocked"], dry["moved"]) == ([looping], [], [])
    done = cli.ok(*to_three, "--case", str(looping), now=TUESDAY)
    assert (done["movable"], done["blocked"], done["moved"]) == ([looping], [], [looping])
    shown = cli.case(looping)
    assert (shown["version"], shown["state"]) == (3, "open")
    assert "migrated" in [event["action"] for event in shown["history"]]
