"""Turning the registers' frozen dataclasses into JSON objects and text lines: dates as
ISO dates, instants as local ISO times (as `case show` prints them)."""

from __future__ import annotations

from dataclasses import fields
from dataclasses import is_dataclass
from datetime import date
from datetime import datetime
from typing import Any

from engine.errors import Invalid
from engine.policy.timekeeping import local_midnight
from engine.policy.timekeeping import parse_date_or_instant
from engine.policy.timekeeping import to_local


def plain(value: Any) -> Any:
    """A dataclass, tuple, date or instant as JSON-ready values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return to_local(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def instant(text: str) -> datetime:
    """`2026-11-30` (its local midnight) or an aware ISO time."""
    parsed = parse_date_or_instant(text)
    return parsed if isinstance(parsed, datetime) else local_midnight(parsed)


def day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            f"Skriv datumet som 2026-01-31, inte '{text}'. / "
            f"Write the date as 2026-01-31, not '{text}'."
        ) from None


def yes_no(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("yes", "ja", "true", "1"):
        return True
    if lowered in ("no", "nej", "false", "0"):
        return False
    raise Invalid(f"Skriv yes eller no, inte '{text}'. / Write yes or no, not '{text}'.")
