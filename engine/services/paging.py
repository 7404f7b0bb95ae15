"""Keyset pages for the lists: a page of rows and an opaque cursor to the next one.

A cursor is the sort key of the last row shown, encoded so callers pass it back unread.
Keyset paging (`WHERE (created_at, id) > (:c, :i) ORDER BY created_at, id LIMIT n`) costs
the same on page 1 and page 5,000, and a row inserted meanwhile neither shifts nor repeats
the rows after it, as OFFSET would.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic
from typing import TypeVar

from engine.errors import Invalid
from engine.inputs import LARGEST_ID
from engine.inputs import is_storable_text

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `next_cursor` is None on the last page."""

    items: tuple[T, ...]
    next_cursor: str | None


def page_size(limit: int | None, default: int = DEFAULT_PAGE_SIZE) -> int:
    """The page size asked for, refused outside 1..MAX_PAGE_SIZE (memory stays bounded)."""
    if limit is None:
        return default
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(
            f"Sidstorleken ska vara 1–{MAX_PAGE_SIZE}, inte {limit}. / "
            f"The page size must be 1–{MAX_PAGE_SIZE}, not {limit}."
        )
    return limit


def encode_cursor(*key: str | int) -> str:
    """The sort key of the last row shown, as an opaque URL-safe text."""
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> tuple[str | int, ...]:
    """The key `encode_cursor` wrote; a cursor that is not one of ours is refused."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error) as error:
        raise _bad_cursor(cursor) from error
    if not isinstance(values, list) or len(values) != len(kinds):
        raise _bad_cursor(cursor)
    if not all(type(v) is kind for v, kind in zip(values, kinds, strict=True)):
        raise _bad_cursor(cursor)
    if not all(_is_storable(v) for v in values):
        # A forged key past the database's integers (or with a NUL) overflowed the driver.
        raise _bad_cursor(cursor)
    return tuple(values)


def _is_storable(value: object) -> bool:
    if isinstance(value, int):
        return -LARGEST_ID - 1 <= value <= LARGEST_ID
    return not isinstance(value, str) or is_storable_text(value)


def time_key(at: datetime) -> str:
    return at.isoformat()


def time_from_key(text: str | int, cursor: str) -> datetime:
    try:
        at = datetime.fromisoformat(str(text))
    except ValueError as error:
        raise _bad_cursor(cursor) from error
    if at.tzinfo is None:
        raise _bad_cursor(cursor)
    return at


def split_page(rows: Sequence[T], size: int, key: Callable[[T], tuple[str | int, ...]]) -> Page[T]:
    """Rows fetched with LIMIT size + 1: the extra row only says that a next page exists."""
    if len(rows) <= size:
        return Page(tuple(rows), None)
    shown = tuple(rows[:size])
    return Page(shown, encode_cursor(*key(shown[-1])))


def _bad_cursor(cursor: str) -> Invalid:
    return Invalid(
        f"Ogiltig sidmarkör '{cursor[:40]}'; börja om från första sidan. / "
        f"Invalid page cursor '{cursor[:40]}'; start again from the first page."
    )
