"""`outbox list|deliver|resend` and `incident list|retry`: e-mail delivery and incidents.

`outbox list --json` keeps CONTRACT.md's `messages: [{to, subject, created_at}]` and adds
each message's `id`, `case`, `state` (queued, retrying, sent, dead), `attempts`,
`next_attempt_at`, `last_error`, `sent_at` and `dead_at`.
"""

from __future__ import annotations

import os
import socket

import click

from cli.invocation import Invocation
from cli.invocation import pass_invocation
from engine.services.delivery import deliver_due
from engine.services.incident_actions import STATE_DEAD
from engine.services.incident_actions import STATE_QUEUED
from engine.services.incident_actions import STATE_RETRYING
from engine.services.incident_actions import STATE_SENT
from engine.services.incident_actions import incidents_for
from engine.services.incident_actions import outbox_entries
from engine.services.incident_actions import resend_message
from engine.services.incident_actions import retry_incident
from engine.services.incidents import list_incidents
from engine.services.mail_transport import MailSettings
from engine.settings import Settings

# Ids are database integers: anything else is bad input (exit 2), not a fault.
ROW_ID = click.IntRange(1, 2**63 - 1)


def cli_worker() -> str:
    """A worker name no other process shares, so that a lease is only ever its own."""
    return f"cli-{socket.gethostname()}-{os.getpid()}"


@click.group()
def outbox() -> None:
    """E-mails queued or sent."""


@outbox.command("list")
@click.option(
    "--state",
    type=click.Choice([STATE_QUEUED, STATE_RETRYING, STATE_SENT, STATE_DEAD]),
    help="Only messages in this delivery state.",
)
@pass_invocation
def outbox_list(inv: Invocation, state: str | None) -> None:
    """Every message with its delivery state, oldest first."""
    entries = outbox_entries(inv.runtime, state=state)
    inv.emit(
        {"messages": [e.to_dict() for e in entries]},
        lambda: (
            "\n".join(
                f"{e.id:>5}  {e.state:<8}  {e.created_at.isoformat()}  {e.to}  {e.subject}"
                + (f"\n       {e.last_error}" if e.last_error and e.state != STATE_SENT else "")
                for e in entries
            )
            or "(tom)"
        ),
    )


@outbox.command("deliver")
@pass_invocation
def outbox_deliver(inv: Invocation) -> None:
    """One delivery pass: send every due message (SITHSFLOW_SMTP_URL, or the mail folder)."""
    settings = MailSettings.from_env(Settings.from_env().instance_dir)
    transport = settings.transport()
    run = deliver_due(
        inv.runtime, inv.clock, cli_worker(), transport=transport, sender=settings.sender
    )
    inv.emit(
        {
            "sent": list(run.sent),
            "failed": list(run.failed),
            "dead": list(run.dead),
            "via": transport.description,
        },
        lambda: (
            f"Skickade {len(run.sent)}, misslyckade {len(run.failed)}, "
            f"gav upp {len(run.dead)} (via {transport.description})."
        ),
    )


@outbox.command("resend")
@click.argument("message_id", type=ROW_ID)
@click.option("--as", "username", required=True, help="Service desk or a process owner.")
@pass_invocation
def outbox_resend(inv: Invocation, message_id: int, username: str) -> None:
    """Queue a dead letter again; the next delivery pass sends it (audited)."""
    outcome = resend_message(inv.runtime, inv.clock, message_id, username)
    inv.emit(
        {"message": {"id": message_id, "state": outcome.state}, "incident": outcome.incident},
        lambda: f"Meddelande {message_id} köas igen.",
    )


@click.group()
def incident() -> None:
    """Incidents: failed timers, scripts and deliveries."""


@incident.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only incidents not resolved yet.")
@click.option("--as", "username", help="Only what this service desk user may see (S2).")
@pass_invocation
def incident_list(inv: Invocation, open_only: bool, username: str | None) -> None:
    """Incidents, newest first."""
    if username is None:
        rows = list_incidents(inv.runtime, open_only=open_only)
    else:
        rows = incidents_for(inv.runtime, inv.clock, username, open_only=open_only)
    inv.emit(
        {"incidents": [row.to_dict() for row in rows]},
        lambda: (
            "\n".join(
                f"{r.id:>5}  {'öppen' if r.is_open else 'åtgärdad'}  ärende {r.case or '-'}  "
                f"{r.kind}  {r.element}  {r.at.isoformat()}  "
                f"försök kvar {'-' if r.retries_left is None else r.retries_left}\n"
                f"       {r.error}"
                for r in rows
            )
            or "(inga)"
        ),
    )


@incident.command("retry")
@click.argument("incident_id", type=ROW_ID)
@click.option("--as", "username", required=True, help="Service desk or a process owner.")
@pass_invocation
def incident_retry(inv: Invocation, incident_id: int, username: str) -> None:
    """Fire the timer again, or queue the e-mail again (audited)."""
    outcome = retry_incident(inv.runtime, inv.clock, incident_id, username)
    inv.emit(
        {"incident": outcome.to_dict()},
        lambda: f"Incident {incident_id} ({outcome.kind}) körd om: {outcome.state}.",
    )
