"""`sithsflow stations plan --holder … --from …`: R8 station booking for a LoA3 applicant."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.register_output import instant
from cli.register_output import plain
from cli.work_commands import READ_AS_HELP
from cli.work_commands import reader_of
from engine.services import station_plan

if TYPE_CHECKING:
    from cli.invocation import Invocation


@click.group("stations")
def stations() -> None:
    """Card stations."""


@stations.command("plan")
@click.option("--holder", required=True, help="The applicant: user name or personal number.")
@click.option("--from", "start", required=True, help="Earliest visit (date or aware time).")
@click.option(
    "--limit", type=int, default=station_plan.DEFAULT_PAIRS, show_default=True, help="Pairs."
)
@click.option("--as", "username", help=READ_AS_HELP)
@click.pass_obj
def stations_plan(
    inv: Invocation, holder: str, start: str, limit: int, username: str | None
) -> None:
    """The earliest pairs of visits to two LoA3 admins within R7's days (R8)."""
    plan = station_plan.plan_visits(
        inv.runtime,
        inv.clock,
        holder,
        instant(start),
        limit,
        reader=reader_of(inv, username),
    )
    shown = plain(plan)
    inv.emit(
        shown,
        lambda: (
            "\n".join(
                f"1) {p['first']['starts_at']} {p['first']['station']} ({p['first']['admin']})  "
                f"2) {p['second']['starts_at']} {p['second']['station']} ({p['second']['admin']})  "
                f"senast {p['deadline']}"
                for p in shown["pairs"]
            )
            or f"Inga besökspar inom {plan.r7_days} dagar (R7) hittades. / No pairs found."
        ),
    )
