"""`sithsflow outbox list|deliver|resend` and `incident list|retry` as an operator runs them:
the R15 reminder delivered to a real SMTP server, a refusing one, the dead letter, the
incident and its audited resend."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli import Cli
from tests.e2e.test_cli import cli  # noqa: F401 - the fixture
from tests.e2e.test_cli import cli_demo_template  # noqa: F401 - the fixture
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.slow


def test_cli_r15_reminder_is_delivered_and_a_dead_letter_is_an_incident_then_resent(
    cli: Cli,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    case_id = cli.order_and_issue_loa2()
    cli.ok("timers", "run", now=cli.timer_due(case_id, "reminder"))
    [queued] = cli.ok("outbox", "list")["messages"]
    assert {"to", "subject", "created_at"} <= set(queued)
    assert (queued["state"], queued["case"], queued["attempts"]) == ("queued", case_id, 0)

    with smtp_server() as (mailbox, port):
        mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
        env = {
            "SITHSFLOW_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "SITHSFLOW_MAIL_FROM": "sithsflow@region-demo.example",
            "SITHSFLOW_INSTANCE": str(tmp_path),
        }
        failed = Cli(cli.database_url, env).ok("outbox", "deliver")
        assert (failed["sent"], failed["failed"]) == ([], [queued["id"]])
        [incident] = cli.ok("incident", "list", "--open")["incidents"]
        assert (incident["case"], incident["kind"], incident["retries_left"]) == (
            case_id, "delivery", 4,
        )  # fmt: skip
        assert "550" in incident["error"]
        cli.refused("incident", "retry", str(incident["id"]), "--as", "erik")
        cli.refused("incident", "list", "--as", "erik")
        assert cli.ok("incident", "list", "--open", "--as", "sara")["incidents"] == [incident]
        mailbox.refuse_with = None
        retried = cli.ok("incident", "retry", str(incident["id"]), "--as", "sara")["incident"]
        assert retried == {"incident": incident["id"], "case": case_id, "kind": "delivery",
                           "state": "queued"}  # fmt: skip
        sent = Cli(cli.database_url, env).ok("outbox", "deliver")
        assert sent["sent"] == [queued["id"]]
        assert [m["To"] for m in mailbox.received()] == ["david@region-demo.example"]
    [delivered] = cli.ok("outbox", "list", "--state", "sent")["messages"]
    assert delivered["sent_at"] and delivered["attempts"] == 0 + 1
    assert cli.ok("incident", "list", "--open")["incidents"] == []
    history = [h["action"] for h in cli.case(case_id)["history"]]
    assert {"mail_failed", "incident_retried", "mail_sent"} <= set(history)


def test_cli_outbox_deliver_without_smtp_writes_eml_files_into_the_instance(
    cli: Cli,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    case_id = cli.order_and_issue_loa2()
    cli.ok("timers", "run", now=cli.timer_due(case_id, "reminder"))
    env = {"SITHSFLOW_INSTANCE": str(tmp_path), "SITHSFLOW_SMTP_URL": ""}
    delivered = Cli(cli.database_url, env).ok("outbox", "deliver")
    [sent] = delivered["sent"]
    assert (tmp_path / "mail" / f"{sent}.eml").is_file()
    assert cli.refused("outbox", "resend", str(sent), "--as", "sara").code == 2


def test_cli_incident_and_outbox_ids_out_of_range_are_refused(cli: Cli) -> None:  # noqa: F811
    cli.refused("incident", "retry", str(2**63), "--as", "sara")
    cli.refused("outbox", "resend", "0", "--as", "sara")
    cli.refused("incident", "retry", "12345", "--as", "sara")
