"""`sithsflow stock receive|list|scrap`: the blank reserve cards in stock (R2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.register_output import day
from cli.register_output import plain
from engine.services.registers import stock as stock_register

if TYPE_CHECKING:
    from cli.invocation import Invocation


@click.group("stock")
def stock() -> None:
    """Blank reserve cards in stock (service desk, system administrator)."""


@stock.command("receive")
@click.argument("first")
@click.argument("last")
@click.option("--organisation", required=True, help="The organisation that owns the cards.")
@click.option("--produced-on", required=True, help="The cards' production date (R2).")
@click.option("--as", "username", required=True, help="Who receives them.")
@click.pass_obj
def stock_receive(
    inv: Invocation, first: str, last: str, organisation: str, produced_on: str, username: str
) -> None:
    """Receive the blank cards FIRST..LAST (e.g. RK000051 RK000060)."""
    receipt = stock_register.receive(
        inv.runtime, inv.clock, username, first, last, organisation, day(produced_on)
    )
    inv.emit(
        {"received": plain(receipt)},
        lambda: f"{receipt.count} kort mottagna: {receipt.first}–{receipt.last}.",
    )


@stock.command("list")
@click.option("--as", "username", required=True, help="Who asks.")
@click.option("--state", help="in_stock, issued, revoked or scrapped.")
@click.option("--cursor", help="The next_cursor of the previous page.")
@click.option("--limit", type=int, help="Cards per page (default 50).")
@click.pass_obj
def stock_list(
    inv: Invocation, username: str, state: str | None, cursor: str | None, limit: int | None
) -> None:
    """The cards of the organisations you keep stock for, by number, one page."""
    page = stock_register.list_stock(
        inv.runtime, inv.clock, username, state=state, cursor=cursor, limit=limit
    )
    inv.emit(
        {"cards": plain(page.items), "next_cursor": page.next_cursor},
        lambda: (
            "\n".join(
                f"{c.number}  {c.state}  {c.organisation}  tillverkat {c.produced_on}  "
                f"livslängd till {c.end_of_life}"
                for c in page.items
            )
            + (f"\nNästa sida: --cursor {page.next_cursor}" if page.next_cursor else "")
        ),
    )


@stock.command("scrap")
@click.argument("number")
@click.option("--reason", required=True, help="Why the card is scrapped.")
@click.option("--as", "username", required=True, help="Who scraps it.")
@click.pass_obj
def stock_scrap(inv: Invocation, number: str, reason: str, username: str) -> None:
    """Scrap a blank card: it is never issued (R2)."""
    card = stock_register.scrap(inv.runtime, inv.clock, username, number, reason)
    inv.emit({"card": plain(card)}, lambda: f"Kortet {card.number} är kasserat.")
