"""`raise SystemExit` in a script: the CLI exits 2 with a message, not 0 with nothing, and a
timer sweep goes on (issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli import MONDAY_10
from tests.e2e.test_cli import Cli
from tests.e2e.test_cli import cli  # noqa: F401 - a fixture
from tests.e2e.test_cli import cli_demo_template  # noqa: F401 - a fixture
from tests.support.exiting_scripts import write_bundle

pytestmark = pytest.mark.slow


def test_cli_sandbox_script_raising_system_exit_is_refused_with_exit_2(
    cli: Cli,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    process_id, files = write_bundle(tmp_path, timer=True)
    cli.ok("process", "deploy", *map(str, files), "--as", "petra")
    start = ("case", "start", process_id, "--as", "sara", "--set")
    exiting = cli.ok(*start, "mode=SystemExit", now=MONDAY_10)["case"]["id"]
    later = cli.ok(*start, "mode=ok", now=MONDAY_10)["case"]["id"]
    swept = cli.ok("timers", "run", now="2026-11-25T10:00:00+01:00")
    assert [(f["case"], f["timer"]) for f in swept["fired"]] == [(later, "wait")]
    assert cli.case(exiting)["state"] == "open"

    (tmp_path / "direct").mkdir()
    direct_id, direct = write_bundle(tmp_path / "direct", timer=False)
    cli.ok("process", "deploy", *map(str, direct), "--as", "petra")
    refused = cli.refused(
        *start[:2], direct_id, *start[3:], "mode=SystemExit", now=MONDAY_10, rule="SANDBOX"
    )
    assert "SystemExit" in refused.json["error"]["message"]
