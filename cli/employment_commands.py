"""`sithsflow employment add|end|list|import`: employments in the directory (R3)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.register_output import day
from cli.register_output import plain
from engine.errors import Invalid
from engine.services.registers import employment_import
from engine.services.registers import employments

if TYPE_CHECKING:
    from cli.invocation import Invocation


@click.group("employment")
def employment() -> None:
    """Employments in the staff directory (service desk, system administrator)."""


@employment.command("add")
@click.argument("holder")
@click.option("--organisation", required=True, help="Organisation code.")
@click.option("--from", "start", required=True, help="First day, e.g. 2026-12-01.")
@click.option("--to", "end", help="Last day, if known.")
@click.option("--as", "username", required=True, help="Who records it.")
@click.pass_obj
def employment_add(
    inv: Invocation, holder: str, organisation: str, start: str, end: str | None, username: str
) -> None:
    """Record an employment of HOLDER (user name or personal number)."""
    row = employments.add_employment(
        inv.runtime,
        inv.clock,
        username,
        holder,
        organisation,
        day(start),
        day(end) if end else None,
    )
    inv.emit({"employment": plain(row)}, lambda: f"Anställning {row.id} registrerad.")


@employment.command("end")
@click.argument("employment_id", type=int)
@click.option("--on", "ends_on", required=True, help="The last day of the employment.")
@click.option("--as", "username", required=True, help="Who records it.")
@click.pass_obj
def employment_end(inv: Invocation, employment_id: int, ends_on: str, username: str) -> None:
    """Set the last day of an employment (R3)."""
    row = employments.end_employment(inv.runtime, inv.clock, username, employment_id, day(ends_on))
    inv.emit({"employment": plain(row)}, lambda: f"Anställning {row.id} slutar {row.end_date}.")


@employment.command("list")
@click.option("--as", "username", required=True, help="Who asks.")
@click.option("--organisation", help="Only this organisation.")
@click.option("--cursor", help="The next_cursor of the previous page.")
@click.option("--limit", type=int, help="Rows per page (default 50).")
@click.pass_obj
def employment_list(
    inv: Invocation,
    username: str,
    organisation: str | None,
    cursor: str | None,
    limit: int | None,
) -> None:
    """Employments in the organisations you keep, one page."""
    page = employments.list_employments(
        inv.runtime, inv.clock, username, organisation=organisation, cursor=cursor, limit=limit
    )
    inv.emit(
        {"employments": plain(page.items), "next_cursor": page.next_cursor},
        lambda: (
            "\n".join(
                f"{r.id}  {r.holder}  {r.name}  {r.organisation}  {r.start_date}–{r.end_date or ''}"
                for r in page.items
            )
            + (f"\nNästa sida: --cursor {page.next_cursor}" if page.next_cursor else "")
        ),
    )


@employment.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="List what would change; change nothing.")
@click.option("--as", "username", required=True, help="Who imports.")
@click.pass_obj
def employment_import_command(inv: Invocation, path: Path, dry_run: bool, username: str) -> None:
    """Import a directory export: CSV personnummer,name,organisation,from,to."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise Invalid(
            f"Filen {path} kan inte läsas som UTF-8: {error}. / "
            f"The file {path} cannot be read as UTF-8: {error}."
        ) from None
    result = employment_import.import_employments(
        inv.runtime, inv.clock, username, text, dry_run=dry_run
    )
    inv.emit(
        {
            "changes": plain(result.changes),
            "unchanged": result.unchanged,
            "applied": result.applied,
            # R19: the employment-end cases the end dates start, move or cancel.
            "end_cases": plain(result.end_cases),
        },
        lambda: (
            "\n".join(
                f"rad {c.line}: {c.action} {c.holder} {c.organisation} "
                f"{c.start_date}–{c.end_date or ''}"
                for c in result.changes
            )
            + "".join(
                f"\nrad {e.line}: employment-end {e.step} {e.holder} {e.organisation} "
                f"{e.ends_on or ''}" + (f" (ärende {e.case_id})" if e.case_id else "")
                for e in result.end_cases
            )
            + f"\n{len(result.changes)} ändringar, {result.unchanged} oförändrade"
            + ("" if result.applied else " (torrkörning: inget ändrat)")
        ),
    )
