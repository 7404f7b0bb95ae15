"""`sithsflow timers run`: fire every timer due at --now, once (CONTRACT.md).

Each fired timer is printed as soon as its transaction commits, and the stream flushed,
so the output of a run that is killed half-way still names every timer it fired: on
stdout as text, or on stderr while stdout keeps the one JSON object `{"fired": […]}`
that `--json` prints at the end.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from engine.services.expiry_reminders import send_expiry_reminders
from engine.services.timers import FiredTimer
from engine.services.timers import fire_due_timers

if TYPE_CHECKING:
    # Only for the annotations: cli.main imports this module to register it.
    from cli.invocation import Invocation

CLI_WORKER = "cli"
NOTHING_DUE = "Inga timers förfallna."


def describe(fired: FiredTimer) -> str:
    return f"ärende {fired.case}: {fired.timer} ({fired.rule or '-'})"


@click.group("timers")
def timers() -> None:
    """Timer events (deadlines, reminders, expiry)."""


@timers.command("run")
@click.pass_obj
def timers_run(inv: Invocation) -> None:
    """Fire every timer due at --now, once."""

    def committed(batch: Sequence[FiredTimer]) -> None:
        # Progress beside the JSON goes to stderr, so stdout stays one JSON object.
        click.echo("\n".join(describe(f) for f in batch), err=inv.as_json)
        (sys.stderr if inv.as_json else sys.stdout).flush()

    fired = fire_due_timers(inv.runtime, inv.clock, worker=CLI_WORKER, on_commit=committed)
    # R18: the 30-day expiry mails due at --now go out with the timers, as in the worker.
    reminded = send_expiry_reminders(inv.runtime, inv.clock)
    if inv.as_json:
        reminders = [{"card": r.card_number, "to": r.to, "rule": "R18"} for r in reminded]
        inv.emit({"fired": [f.__dict__ for f in fired], "reminders": reminders}, lambda: "")
        return
    for reminder in reminded:
        click.echo(f"kort {reminder.card_number}: påminnelse till {reminder.to} (R18)")
    if not fired and not reminded:
        click.echo(NOTHING_DUE)
