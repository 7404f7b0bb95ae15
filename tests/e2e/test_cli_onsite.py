"""loa2-onsite, loa3-renewal and the R18 reminder end to end through the `sithsflow`
script, with CONTRACT.md's names: `case start loa2-onsite --as cecilia --set …`,
`task complete … renew_loa3`, `timers run`, `outbox list`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli import Cli
from tests.e2e.test_cli import cli_demo_template
from tests.e2e.test_cli import snapshot

pytestmark = pytest.mark.slow

__all__ = ["cli_demo_template"]
THURSDAY_15_30 = "2026-11-26T15:30:00+01:00"
THURSDAY_10_30 = "2026-11-26T10:30:00+01:00"


@pytest.fixture
def onsite_cli(tmp_path: Path, cli_demo_template: Path) -> Cli:
    path = tmp_path / "sithsflow.db"
    path.write_bytes(cli_demo_template.read_bytes())
    return Cli(f"sqlite:///{path}")


def onsite_start(card: str) -> list[str]:
    return [
        "case", "start", "loa2-onsite", "--as", "cecilia", "--set", "holder=erik",
        "--set", "id_document=passport", "--set", f"card_number={card}",
        "--set", "valid_until=2026-12-08",
    ]  # fmt: skip


def test_cli_r12_cecilia_issues_loa2_at_15_30_and_the_loop_renews_until_expiry(
    onsite_cli: Cli,
) -> None:
    cli = onsite_cli
    before = snapshot(cli)
    cli.refused(*onsite_start("RK000005"), now=THURSDAY_10_30, rule="R12")
    assert snapshot(cli) == before
    started = cli.ok(*onsite_start("RK000005"), now=THURSDAY_15_30)["case"]
    assert (started["process"], started["state"]) == ("loa2-onsite", "open")
    card = cli.ok("card", "show", "RK000005")["card"]
    assert (card["holder"], card["loa"], card["state"]) == ("erik", 2, "issued")
    assert card["valid_until"] == "2026-12-08T23:59:59+01:00"
    tasks = cli.ok("task", "list", "--as", "cecilia", now=THURSDAY_15_30)["tasks"]
    assert [(t["case"], t["name"]) for t in tasks] == [(started["id"], "request_renewal")]

    request = cli.ready_task(started["id"], "request_renewal")
    cli.ok("task", "complete", request, "--as", "cecilia", now="2026-12-04T16:00:00+01:00")
    renew = cli.ready_task(started["id"], "renew_loa2")
    done = cli.ok(
        "task", "complete", renew, "--as", "sara", "--set", "valid_until=2026-12-18",
        now="2026-12-04T16:01:00+01:00",
    )  # fmt: skip
    assert done["case"]["state"] == "open"
    fired = cli.ok("timers", "run", now="2026-12-19T00:00:00+01:00")["fired"]
    assert {f["timer"] for f in fired} >= {"expiry"}
    assert cli.case(started["id"])["state"] == "expired"


def test_cli_r9_loa3_renewal_waits_for_monday_and_renews_at_the_same_loa(
    onsite_cli: Cli,
) -> None:
    cli = onsite_cli
    first = cli.start_loa3(now="2026-11-23T10:00:00+01:00")
    second = cli.ready_task(first, "second_verification")
    cli.ok(*Cli.second_verification(second, card="RK000006"), now="2026-11-23T10:05:00+01:00")
    saturday = "2026-11-28T11:00:00+01:00"
    started = cli.ok(
        "case", "start", "loa3-renewal", "--as", "anna", "--set", "card_number=RK000006",
        now=saturday,
    )["case"]  # fmt: skip
    # R9, R4: one renewal of the card at a time; the second is refused, nothing changes.
    before = snapshot(cli)
    cli.refused(
        "case", "start", "loa3-renewal", "--as", "sara", "--set", "card_number=RK000006",
        now=saturday, rule="R9",
    )  # fmt: skip
    assert snapshot(cli) == before
    shown = cli.case(started["id"])
    assert [t["name"] for t in shown["tasks"]] == []
    assert [(t["name"], t["due_at"]) for t in shown["timers"]] == [
        ("wait_for_opening", "2026-11-30T07:30:00+01:00")
    ]
    fired = cli.ok("timers", "run", now="2026-11-30T07:30:00+01:00")["fired"]
    assert [f["timer"] for f in fired] == ["wait_for_opening"]
    renew = cli.ready_task(started["id"], "renew_loa3")
    cli.refused(
        "task", "complete", renew, "--as", "sara", "--set", "valid_until=2027-05-30",
        now="2026-11-30T16:00:00+01:00", rule="R9",
    )  # fmt: skip
    done = cli.ok(
        "task", "complete", renew, "--as", "sara", "--set", "valid_until=2027-05-30",
        now="2026-11-30T15:00:00+01:00",
    )  # fmt: skip
    assert done["case"]["state"] == "completed"
    card = cli.ok("card", "show", "RK000006")["card"]
    assert (card["loa"], card["valid_until"]) == (3, "2027-05-30T15:00:00+02:00")

    # R18: 30 days before the renewed certificate ends, frida is e-mailed once.
    run = cli.ok("timers", "run", now="2027-04-30T16:00:00+02:00")
    assert run["reminders"] == [
        {"card": "RK000006", "to": "frida@region-demo.example", "rule": "R18"}
    ]
    assert cli.ok("timers", "run", now="2027-05-01T16:00:00+02:00")["reminders"] == []
    messages = cli.ok("outbox", "list")["messages"]
    assert sum(m["to"] == "frida@region-demo.example" for m in messages) == 2  # renewed, R18
