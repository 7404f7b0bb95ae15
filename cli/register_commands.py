"""`sithsflow closing-day …`, `organisation show|set`, `roster …`: the calendar's local
closing days, the dated organisation settings (R14, R20, R22; S6) and admin rosters (R8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.register_output import day
from cli.register_output import instant
from cli.register_output import plain
from cli.register_output import yes_no
from engine.errors import Invalid
from engine.services.registers import closing_days
from engine.services.registers import organisation_settings
from engine.services.registers import rosters

if TYPE_CHECKING:
    from cli.invocation import Invocation


@click.group("closing-day")
def closing_day() -> None:
    """Local closing days (process owner, system administrator)."""


@closing_day.command("add")
@click.argument("date")
@click.option("--reason", required=True, help="Why the day is closed.")
@click.option("--station", help="Close only this card station.")
@click.option("--organisation", help="Close only this organisation's stations.")
@click.option("--as", "username", required=True, help="Who adds it.")
@click.pass_obj
def closing_day_add(
    inv: Invocation,
    date: str,
    reason: str,
    station: str | None,
    organisation: str | None,
    username: str,
) -> None:
    """Add a closing day: global, or for one station or organisation."""
    row = closing_days.add_closing_day(
        inv.runtime,
        inv.clock,
        username,
        day(date),
        reason,
        station=station,
        organisation=organisation,
    )
    inv.emit({"closing_day": plain(row)}, lambda: f"Stängd dag {row.day} ({row.id}) tillagd.")


@closing_day.command("remove")
@click.argument("row_id", type=int)
@click.option("--as", "username", required=True, help="Who removes it.")
@click.pass_obj
def closing_day_remove(inv: Invocation, row_id: int, username: str) -> None:
    """Remove a closing day by its id."""
    row = closing_days.remove_closing_day(inv.runtime, inv.clock, username, row_id)
    inv.emit({"closing_day": plain(row)}, lambda: f"Stängd dag {row.day} borttagen.")


@closing_day.command("list")
@click.option("--from", "start", required=True, help="First day.")
@click.option("--to", "end", required=True, help="Last day.")
@click.pass_obj
def closing_day_list(inv: Invocation, start: str, end: str) -> None:
    """Closing days in a period."""
    rows = closing_days.list_closing_days(inv.runtime, day(start), day(end))
    inv.emit(
        {"closing_days": plain(rows)},
        lambda: (
            "\n".join(
                f"{r.id}  {r.day}  {r.station or r.organisation or 'alla'}  {r.reason}"
                for r in rows
            )
            or "(inga stängda dagar)"
        ),
    )


@click.group("organisation")
def organisation() -> None:
    """Organisation settings of R14, R20 and R22."""


@organisation.command("show")
@click.argument("code")
@click.pass_obj
def organisation_show(inv: Invocation, code: str) -> None:
    """An organisation's settings today and their dated history (S6)."""
    shown = organisation_settings.show_settings(inv.runtime, inv.clock, code)
    inv.emit({"organisation": plain(shown)}, lambda: _settings_text(shown))


@organisation.command("set")
@click.argument("code")
@click.option(
    "--setting",
    "pairs",
    multiple=True,
    required=True,
    help="NAME=yes|no; NAME is " + ", ".join(organisation_settings.SETTINGS) + ".",
)
@click.option("--from", "start", help="In force from this date (default today; S6).")
@click.option("--as", "username", required=True, help="Who decides.")
@click.pass_obj
def organisation_set(
    inv: Invocation, code: str, pairs: tuple[str, ...], start: str | None, username: str
) -> None:
    """Set R14/R20/R22 settings from a date (process owner, system administrator)."""
    parsed = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise Invalid(f"Skriv NAMN=yes|no, inte '{pair}'. / Write NAME=yes|no, not '{pair}'.")
        parsed.append((name.strip(), yes_no(value)))
    effective = day(start) if start else None
    shown = None
    for setting, chosen in parsed:
        shown = organisation_settings.set_setting(
            inv.runtime, inv.clock, username, code, setting, chosen, effective
        )
    assert shown is not None
    inv.emit({"organisation": plain(shown)}, lambda: _settings_text(shown))


def _settings_text(shown: organisation_settings.OrganisationSettings) -> str:
    lines = [f"{shown.name} ({shown.code})"]
    for s in shown.settings:
        lines.append(f"  {s.name} ({s.rule}): {'ja' if s.value_today else 'nej'}  {s.label_sv}")
        lines.extend(
            f"    från {h.effective_from}: {'ja' if h.value else 'nej'} ({h.set_by})"
            for h in s.history
        )
    return "\n".join(lines)


@click.group("roster")
def roster() -> None:
    """Which ID administrator is on duty at which station when (R8)."""


@roster.command("add")
@click.option("--admin", required=True, help="The ID administrator's user name.")
@click.option("--station", required=True, help="Card station code.")
@click.option("--from", "start", required=True, help="Shift start, an aware ISO time.")
@click.option("--to", "end", required=True, help="Shift end, an aware ISO time.")
@click.option("--as", "username", required=True, help="Who rosters (manager, system admin).")
@click.pass_obj
def roster_add(
    inv: Invocation, admin: str, station: str, start: str, end: str, username: str
) -> None:
    """Roster an ID administrator at a station."""
    shift = rosters.add_shift(
        inv.runtime, inv.clock, username, admin, station, instant(start), instant(end)
    )
    inv.emit({"shift": plain(shift)}, lambda: f"Pass {shift.id} tillagt.")


@roster.command("remove")
@click.argument("shift_id", type=int)
@click.option("--as", "username", required=True, help="Who removes it.")
@click.pass_obj
def roster_remove(inv: Invocation, shift_id: int, username: str) -> None:
    """Remove a shift by its id."""
    shift = rosters.remove_shift(inv.runtime, inv.clock, username, shift_id)
    inv.emit({"shift": plain(shift)}, lambda: f"Pass {shift.id} borttaget.")


@roster.command("list")
@click.option("--from", "start", required=True, help="Period start (date or aware time).")
@click.option("--to", "end", required=True, help="Period end (date or aware time).")
@click.option("--station", help="Only this card station.")
@click.pass_obj
def roster_list(inv: Invocation, start: str, end: str, station: str | None) -> None:
    """Shifts in a period."""
    shifts = rosters.list_shifts(inv.runtime, instant(start), instant(end), station)
    listed = plain(shifts)
    inv.emit(
        {"shifts": listed},
        lambda: (
            "\n".join(
                f"{s['id']}  {s['station']}  {s['admin']}  {s['starts_at']}–{s['ends_at']}"
                for s in listed
            )
            or "(inga pass)"
        ),
    )
