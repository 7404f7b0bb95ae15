"""`sithsflow report NAME --from DATE --to DATE --out FILE.pdf [--lang sv|en]` (CONTRACT.md).

Options are checked before the database is touched, so a bad period or an unwritable path
is refused at once (exit 2). Progress of long reports goes to stderr, never to the JSON
on stdout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.invocation import RecordId

# As the reports page allows: ten years, beyond any certificate's validity. A larger
# number reached past the calendar's end (an internal fault, issue 10).
MAX_DAYS_AHEAD = 3660

if TYPE_CHECKING:
    from cli.invocation import Invocation


def _progress(message: str) -> None:
    click.echo(message, err=True)


@click.command("report")
@click.argument("name", metavar="NAME")
@click.option("--from", "first", metavar="DATE", help="First day, YYYY-MM-DD (local).")
@click.option("--to", "last", metavar="DATE", help="Last day, YYYY-MM-DD (included).")
@click.option("--out", required=True, metavar="FILE.pdf", help="Where to write the PDF.")
@click.option("--lang", default="sv", show_default=True, help="sv or en.")
@click.option("--case", "case_id", type=RecordId("ärende", "case"), help="audit: one case.")
@click.option("--card", help="audit: one reserve card number.")
@click.option("--holder", help="audit: one holder (user name or personal number).")
@click.option(
    "--days",
    type=click.IntRange(max=MAX_DAYS_AHEAD),
    help=f"expiring: days ahead (default 30, at most {MAX_DAYS_AHEAD}).",
)
@click.pass_obj
def report(
    inv: Invocation,
    name: str,
    first: str | None,
    last: str | None,
    out: str,
    lang: str,
    case_id: int | None,
    card: str | None,
    holder: str | None,
    days: int | None,
) -> None:
    """Write a PDF report. NAME: issuance, loa2-compliance, deadlines, expiring, staffing, audit."""
    # Imported here: WeasyPrint takes most of a second to import, which every other
    # command would otherwise pay at start-up.
    from reports import ReportRequest
    from reports import generate_report

    request = ReportRequest.parse(
        name,
        out=out,
        lang=lang,
        first=first,
        last=last,
        case_id=case_id,
        card=card,
        holder=holder,
        days=days,
    )
    path = generate_report(inv.runtime, inv.clock, request, progress=_progress)
    inv.emit(
        {"path": str(path)},
        lambda: f"Rapporten är skriven / The report is written: {path}",
    )
