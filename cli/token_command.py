"""`sithsflow token issue|list|revoke --as USER …`: API tokens for the JSON API.

A separate module so that cli/main.py only registers it (`click.pass_obj` hands in its
`Invocation` without an import cycle). The plaintext token is printed
once (stdout, or `token` in the JSON) and never again, since only its hash is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from engine.services import tokens

if TYPE_CHECKING:
    # Only for the annotations: cli.main imports this module to register it.
    from cli.invocation import Invocation


@click.group("token")
def token() -> None:
    """Bearer tokens for the JSON API under /api/."""


@token.command("issue")
@click.option("--as", "username", required=True, help="The user the token speaks for.")
@click.option("--name", required=True, help="What the token is for, e.g. 'station-tablet'.")
@click.option(
    "--days",
    type=int,
    default=tokens.DEFAULT_TOKEN_DAYS,
    show_default=True,
    help=f"How many days the token works (1–{tokens.MAX_TOKEN_DAYS}).",
)
@click.pass_obj
def token_issue(inv: Invocation, username: str, name: str, days: int) -> None:
    """Issue a token; copy it now, it is shown only this once."""
    issued = tokens.issue_token(inv.runtime, inv.clock, username, name, days=days)
    inv.emit(
        {
            "token": issued.token,
            "api_token": {
                "id": issued.id,
                "user": issued.username,
                "name": issued.name,
                "created_at": issued.created_at.isoformat(),
                "expires_at": issued.expires_at.isoformat(),
            },
        },
        lambda: (
            f"API-nyckel '{issued.name}' för {issued.username}, giltig till "
            f"{issued.expires_at.isoformat()} (visas bara nu / shown only now):\n"
            f"{issued.token}"
        ),
    )


@token.command("list")
@click.option("--as", "username", required=True, help="The user whose tokens to list.")
@click.pass_obj
def token_list(inv: Invocation, username: str) -> None:
    """A user's tokens with their expiry and last use (never the tokens themselves)."""
    now = inv.clock.now()
    found = tokens.list_tokens(inv.runtime, username)
    listed = [
        {
            "name": t.name,
            "created_at": t.created_at.isoformat(),
            "expires_at": t.expires_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            "active": t.is_active(now),
        }
        for t in found
    ]
    inv.emit(
        {"tokens": listed},
        lambda: (
            "\n".join(
                f"{t['name']}  {'giltig' if t['active'] else 'ogiltig'}  till {t['expires_at']}  "
                f"senast använd {t['last_used_at'] or '-'}"
                for t in listed
            )
            or "(inga API-nycklar)"
        ),
    )


@token.command("revoke")
@click.option("--as", "username", required=True, help="The user whose token to revoke.")
@click.option("--name", required=True, help="The token's name.")
@click.pass_obj
def token_revoke(inv: Invocation, username: str, name: str) -> None:
    """Revoke a user's token by name; requests with it are refused from now on."""
    tokens.revoke_token(inv.runtime, inv.clock, username, name)
    inv.emit({"ok": True}, lambda: f"API-nyckeln '{name}' för {username} är återkallad.")
