"""`card revoke NUMBER --as USER --reason R [--via national-support-line]` (R19)."""

from __future__ import annotations

import click

from cli.invocation import Invocation
from cli.invocation import pass_invocation
from engine.model.revocations import REVOCATION_REASONS
from engine.services.revoke import VIA_WORDS
from engine.services.revoke import revoke_card


@click.command("revoke")
@click.argument("number")
@click.option("--as", "username", required=True)
@click.option(
    "--reason",
    required=True,
    help="Why: " + ", ".join(REVOCATION_REASONS) + " (R19).",
)
@click.option(
    "--via",
    default=None,
    help="Recorded afterwards as done via " + " or ".join(VIA_WORDS) + " (R19).",
)
@pass_invocation
def card_revoke(inv: Invocation, number: str, username: str, reason: str, via: str | None) -> None:
    """Revoke a card and its certificates; add-ons end, open cases on the card end (R19)."""
    revoked = revoke_card(inv.runtime, inv.clock, number, username, reason, via)
    inv.emit(
        {"card": revoked.as_json()},
        lambda: (
            f"Kortet {revoked.number} är spärrat ({revoked.reason}); dörråtkomst ska avslutas."
            + (
                f" Avslutade ärenden: {', '.join(str(c) for c in revoked.ended_cases)}."
                if revoked.ended_cases
                else ""
            )
        ),
    )
