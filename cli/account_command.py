"""`sithsflow account deactivate USER --as ADMIN`: stop a user from signing in.

The password goes, every web session ends and every API token is revoked at once
(engine.services.accounts.deactivate_account); only a system administrator may. A new
password set on the person's admin page lets them sign in again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from engine.services.accounts import deactivate_account

if TYPE_CHECKING:
    # Only for the annotations: cli.main imports this module to register it.
    from cli.invocation import Invocation


@click.group("account")
def account() -> None:
    """Web and API accounts."""


@account.command("deactivate")
@click.argument("username")
@click.option("--as", "actor", required=True, help="The system administrator doing it.")
@click.pass_obj
def account_deactivate(inv: Invocation, username: str, actor: str) -> None:
    """End USER's sessions and tokens and remove their password."""
    ended = deactivate_account(inv.runtime, inv.clock, actor, username)
    inv.emit(
        {"ok": True, "account": {"username": username, "sessions_ended": ended}},
        lambda: f"{username} kan inte längre logga in ({ended} sessioner avslutade).",
    )
