"""`process migrate PROCESS --to VERSION --as USER [--case ID]… [--dry-run]` (S5).

Only translates: the engine checks S1 and decides per case (engine/services/migration.py).
The coordinator attaches `process_migrate` to the `process` group as `migrate`.
"""

from __future__ import annotations

import click

from cli.invocation import Invocation
from cli.invocation import RecordId
from cli.invocation import pass_invocation
from engine.services.migration import MigrationReport
from engine.services.migration import migrate_cases


@click.command("migrate")
@click.argument("process_id")
@click.option(
    "--to",
    "to_version",
    type=RecordId("version", "version"),
    required=True,
    help="The target version.",
)
@click.option("--as", "username", required=True, help="A process owner (S1).")
@click.option(
    "--case", "case_ids", type=RecordId("ärende", "case"), multiple=True, help="Only these cases."
)
@click.option("--dry-run", is_flag=True, help="Say what would move and why not; move nothing.")
@pass_invocation
def process_migrate(
    inv: Invocation,
    process_id: str,
    to_version: int,
    username: str,
    case_ids: tuple[int, ...],
    dry_run: bool,
) -> None:
    """Move running cases to another version of their process (S5)."""
    report = migrate_cases(
        inv.runtime, inv.clock, process_id, to_version, username, list(case_ids), dry_run=dry_run
    )
    inv.emit(report.as_json(), lambda: _text(report))


def _text(report: MigrationReport) -> str:
    head = "Provkörning: " if report.dry_run else ""
    lines = [
        f"{head}{report.process} → v{report.to_version}",
        "Flyttbara: " + (", ".join(map(str, report.movable)) or "-"),
        "Flyttade: " + (", ".join(map(str, report.moved)) or "-"),
        *(f"Blockerat ärende {b.case}: {b.reason}" for b in report.blocked),
    ]
    return "\n".join(lines)
