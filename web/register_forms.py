"""Reading the registers' form fields: optional dates and the browser's local times."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from engine.errors import Invalid
from engine.policy.timekeeping import STOCKHOLM
from engine.services.registers.common import parse_day


def optional_day(text: str) -> date | None:
    return parse_day(text, "Datum", "Date") if text.strip() else None


def instant_field(text: str) -> datetime:
    """A `datetime-local` field ("2026-11-30T08:00") read as Stockholm time, or an aware
    ISO time."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            f"Skriv tiden som 2026-11-30T08:00, inte '{text}'. / "
            f"Write the time as 2026-11-30T08:00, not '{text}'."
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=STOCKHOLM)
