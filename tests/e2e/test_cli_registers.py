"""The operator registers and R8 station booking through the real `sithsflow` command line
(each command a subprocess on its own copy of the demo database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli import Cli
from tests.e2e.test_cli import cli_demo_template
from tests.e2e.test_cli import snapshot

pytestmark = pytest.mark.slow

__all__ = ["cli_demo_template"]  # the fixture `registers_cli` builds on
MONDAY_10 = "2026-11-23T10:00:00+01:00"


@pytest.fixture
def registers_cli(tmp_path: Path, cli_demo_template: Path) -> Cli:
    path = tmp_path / "sithsflow.db"
    path.write_bytes(cli_demo_template.read_bytes())
    return Cli(f"sqlite:///{path}")


def test_r2_stock_receive_list_and_scrap_from_the_command_line(registers_cli: Cli) -> None:
    cli = registers_cli
    received = cli.ok(
        "stock", "receive", "RK000051", "RK000052", "--organisation", "region-demo",
        "--produced-on", "2026-01-15", "--as", "sara", now=MONDAY_10,
    )  # fmt: skip
    assert received["received"]["count"] == 2
    page = cli.ok("stock", "list", "--as", "sara", "--limit", "51", now=MONDAY_10)
    assert page["cards"][-1] == {
        "number": "RK000051",
        "organisation": "region-demo",
        "state": "in_stock",
        "produced_on": "2026-01-15",
        "end_of_life": "2036-01-15",
    }
    rest = cli.ok("stock", "list", "--as", "sara", "--cursor", page["next_cursor"], now=MONDAY_10)
    assert [c["number"] for c in rest["cards"]] == ["RK000052"] and rest["next_cursor"] is None
    scrapped = cli.ok("stock", "scrap", "RK000052", "--reason", "Trasigt", "--as", "sara")
    assert scrapped["card"]["state"] == "scrapped"
    before = snapshot(cli)
    cli.refused("stock", "scrap", "RK000051", "--reason", "x", "--as", "cecilia", now=MONDAY_10)
    assert snapshot(cli) == before


def test_r3_employment_import_dry_run_then_bad_lines_by_number(
    registers_cli: Cli, tmp_path: Path
) -> None:
    cli = registers_cli
    good = tmp_path / "export.csv"
    good.write_text(
        "personnummer,namn,organisation,från,till\n"
        "19920229-4568,Gustav Grön,region-demo,2026-12-01,\n"
        "19121212-1212,Erik Ek,hemtjanst-demo,2024-01-01,2026-12-31\n",
        encoding="utf-8",
    )
    dry = cli.ok("employment", "import", str(good), "--dry-run", "--as", "sara", now=MONDAY_10)
    assert (dry["applied"], [c["action"] for c in dry["changes"]]) == (
        False,
        ["new_person", "change_end"],
    )
    # R19: erik's end date would start his employment-end case; the dry run starts none.
    assert [(e["line"], e["step"], e["case_id"]) for e in dry["end_cases"]] == [(3, "start", None)]
    bad = tmp_path / "bad.csv"
    bad.write_text("19920229-4568,Gustav,region-demo,2026-13-01,\n", encoding="utf-8")
    before = snapshot(cli)
    refused = cli.refused("employment", "import", str(bad), "--as", "sara", rule="R3")
    assert "line 1" in refused.json["error"]["message"]
    assert snapshot(cli) == before
    done = cli.ok("employment", "import", str(good), "--as", "sara", now=MONDAY_10)
    assert done["applied"] is True
    [started] = done["end_cases"]
    case = cli.case(started["case_id"])
    assert (case["process"], case["state"]) == ("employment-end", "open")
    listed = cli.ok("employment", "list", "--as", "sara", "--limit", "500", now=MONDAY_10)
    assert any(e["holder"] == "19920229-4568" for e in listed["employments"])


def test_r8_stations_plan_prints_the_earliest_pairs_as_json(registers_cli: Cli) -> None:
    cli = registers_cli
    for admin, station, start, end in (
        ("anna", "halmstad", "2026-11-30T07:00:00+01:00", "2026-11-30T17:00:00+01:00"),
        ("bertil", "kungsbacka", "2026-12-01T08:00:00+01:00", "2026-12-01T13:00:00+01:00"),
    ):
        cli.ok(
            "roster", "add", "--admin", admin, "--station", station, "--from", start,
            "--to", end, "--as", "maria", now=MONDAY_10,
        )  # fmt: skip
    cli.ok(
        "closing-day", "add", "2026-12-02", "--reason", "Flytt", "--station", "kungsbacka",
        "--as", "petra", now=MONDAY_10,
    )  # fmt: skip
    cli.ok(
        "organisation", "set", "region-demo", "--setting", "photo_reuse_for_door_access=yes",
        "--from", "2026-12-01", "--as", "petra", now=MONDAY_10,
    )  # fmt: skip
    shown = cli.ok("organisation", "show", "region-demo", now="2026-12-01T10:00:00+01:00")
    photo = [s for s in shown["organisation"]["settings"] if s["rule"] == "R22"]
    assert photo[0]["value_today"] is True
    plan = cli.ok("stations", "plan", "--holder", "frida", "--from", "2026-11-30", now=MONDAY_10)
    assert plan["r7_days"] == 5
    first = plan["pairs"][0]
    assert (first["first"]["station"], first["first"]["starts_at"]) == (
        "halmstad",
        "2026-11-30T08:00:00+01:00",
    )
    assert (first["second"]["admin"], first["second"]["starts_at"]) == (
        "bertil",
        "2026-12-01T09:00:00+01:00",
    )
    assert first["deadline"] == "2026-12-05T08:00:00+01:00"
