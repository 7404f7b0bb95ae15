"""How a typed user name or card number is read before anything is looked up (issue 11).

User names are stored in lower case (the administration form allows nothing else) and card
numbers in upper case (`RK000001`), so " Erik " and "rk000002" mean erik and RK000002: a
person typing them is understood, not refused. Every look-up of a person or a card by what
someone typed goes through these two functions.
"""

from __future__ import annotations


def normal_username(text: str) -> str:
    """`" Erik "` → `"erik"`; a personal number is unchanged (digits, `-`, `+`)."""
    return text.strip().lower()


def normal_card_number(text: str) -> str:
    """`" rk000002 "` → `"RK000002"`."""
    return text.strip().upper()
