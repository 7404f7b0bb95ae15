"""JSON typed by a user (`--data`, an API body), parsed and checked before a service sees it.

Shared by the CLI and the API so that both refuse the same input with the same sentence
(`Invalid`, exit 2 or 422). Beyond malformed JSON this refuses what used to fail deep
inside as an internal fault (issue 10): nesting so deep that Python's recursion gave up,
and text that no database stores (a NUL character, which PostgreSQL refuses in text, and
a lone UTF-16 surrogate from a `\\ud800` escape, which is not text at all). LARGEST_ID is
the one bound on ids and versions that the CLI, the pages, the API and page cursors share.
"""

from __future__ import annotations

import json
import math
from typing import Any

from engine.errors import Invalid

# The largest id or version a row can have: the columns are INTEGER, 32 bits on PostgreSQL
# (SQLite's hold 64). A larger number named nothing but overflowed the driver (a 500 or
# exit 1, issue 10), so it is refused (not found, or bad input) before a query is made.
LARGEST_ID = 2**31 - 1

# Forms are flat and the deepest body the API takes (a migration) is two levels deep, so
# anything deeper than this is a mistake, refused before it reaches a recursive validator.
MAX_JSON_DEPTH = 32


def parse_json_object(text: str | bytes, what_sv: str, what_en: str) -> dict[str, Any]:
    """`text` as a JSON object, or `Invalid` naming `what` (e.g. `--data`) and the fault."""
    try:
        loaded = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ValueError as error:
        # Malformed JSON, text that is not UTF-8, a number of more than 4,300 digits, or
        # NaN and Infinity, which are not JSON and cannot be written back as JSON.
        raise Invalid(
            f"{what_sv} är inte giltig JSON: {error}. / {what_en} is not valid JSON: {error}."
        ) from error
    except RecursionError:
        loaded = None
        too_deep = True
    else:
        too_deep = _deeper_than(loaded, MAX_JSON_DEPTH)
    if too_deep:
        raise Invalid(
            f"{what_sv} är nästlad djupare än {MAX_JSON_DEPTH} nivåer. / "
            f"{what_en} is nested deeper than {MAX_JSON_DEPTH} levels."
        )
    if not isinstance(loaded, dict):
        raise Invalid(f"{what_sv} måste vara ett JSON-objekt. / {what_en} must be a JSON object.")
    require_storable(loaded, what_sv, what_en)
    return loaded


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:20]}… is too large a number")
    return number


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests more than `limit` arrays and objects, found without recursion."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False


def require_storable(value: Any, what_sv: str, what_en: str) -> None:
    """Refuse a NUL character or a lone surrogate in any key or text of `value`."""
    pending: list[Any] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and not is_storable_text(item):
            raise Invalid(
                f"{what_sv} innehåller ett tecken som inte kan sparas (NUL eller ett "
                f"ensamt surrogattecken). / {what_en} contains a character that cannot be "
                f"stored (NUL or a lone surrogate)."
            )


def is_storable_text(text: str) -> bool:
    """Text every database takes: UTF-8 encodable and free of NUL."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
