"""`sithsflow audit verify`: exit 0 on an intact audit chain, exit 2 naming the first broken
row once a row was changed behind sithsflow's back (issue 10: audit you can prove)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from tests.e2e.test_cli import Cli
from tests.e2e.test_cli import cli  # noqa: F401 - a fixture
from tests.e2e.test_cli import cli_demo_template  # noqa: F401 - a fixture
from tests.e2e.test_cli import sqlite_path

pytestmark = pytest.mark.slow


def test_cli_audit_verify_passes_an_intact_chain_and_names_a_changed_row(
    cli: Cli,  # noqa: F811 - the fixture imported above
) -> None:
    case_id = cli.start_loa3("frida")
    intact = cli.ok("audit", "verify")["audit"]
    assert intact["intact"] is True and intact["rows"] >= 3
    assert intact["head"]["seq"] == intact["rows"] and len(intact["head"]["hash"]) == 64
    with closing(sqlite3.connect(sqlite_path(cli))) as db:
        target = db.execute(
            "SELECT id FROM audit_events WHERE case_id = ? AND action = 'start'", (case_id,)
        ).fetchone()[0]
        db.execute("DROP TRIGGER audit_events_no_update")
        db.execute("UPDATE audit_events SET actor = 'bertil' WHERE id = ?", (target,))
        db.commit()
    refused = cli.refused("audit", "verify", rule="AUDIT")
    assert f"row {target}" in refused.json["error"]["message"]
    text = cli.run("audit", "verify", as_json=False)
    assert text.code == 2 and f"rad {target}" in text.stderr
