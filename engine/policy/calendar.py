"""The Swedish business calendar behind office hours (R12) and service-desk hours (R9).

A *holiday-free weekday* is Monday–Friday that is neither a public holiday (allmän helgdag)
nor midsommarafton, julafton or nyårsafton, which Swedish law on time limits treats as
holidays (DOMAIN.md, Conventions: Office hours). The calendar is data: the `holidays`
package's Sweden calendar plus local closing days a process owner adds, and its version
is recorded in the audit trail with every decision.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from importlib.metadata import version as package_version
from types import MappingProxyType

from holidays.constants import DE_FACTO
from holidays.constants import PUBLIC
from holidays.countries.sweden import Sweden

_WEEKEND_NAMES_SV = {5: "lördag", 6: "söndag"}


class SwedishCalendar:
    """Which local days are holiday-free weekdays, and why a day is closed.

    >>> SwedishCalendar().is_holiday_free_weekday(date(2026, 12, 24))  # julafton
    False
    """

    def __init__(self, closing_days: Mapping[date, str] | None = None) -> None:
        self._closing_days: Mapping[date, str] = MappingProxyType(dict(closing_days or {}))
        # Sundays are weekend days anyway; ask the package for named holidays only, so a
        # version that lists every Sunday (include_sundays) cannot change our answers.
        self._holidays = Sweden(categories=(PUBLIC, DE_FACTO), language="sv", include_sundays=False)
        self._version = (
            f"holidays-{package_version('holidays')}+local-{self._closing_days_digest()}"
        )

    def _closing_days_digest(self) -> str:
        if not self._closing_days:
            return "none"
        lines = "\n".join(
            f"{day.isoformat()}={name}" for day, name in sorted(self._closing_days.items())
        )
        return hashlib.sha256(lines.encode("utf-8")).hexdigest()[:8]

    @property
    def version(self) -> str:
        """`holidays-0.109+local-<8 hex>`: which calendar data judged a decision."""
        return self._version

    @property
    def closing_days(self) -> Mapping[date, str]:
        """Local closing days added by a process owner (read-only)."""
        return self._closing_days

    def _holiday_name(self, d: date) -> str | None:
        # HolidayBase populates (and caches) each year on first lookup.
        name = self._holidays.get(d)
        return None if name is None else str(name)

    def closed_reason(self, d: date) -> str | None:
        """Why `d` is not a holiday-free weekday (Swedish name), or None when it is one."""
        holiday = self._holiday_name(d)
        if holiday is not None:
            return holiday
        if d in self._closing_days:
            return self._closing_days[d]
        return _WEEKEND_NAMES_SV.get(d.weekday())

    def is_holiday_free_weekday(self, d: date) -> bool:
        """Monday–Friday that is no holiday, no holiday eve counted as one, no closing day."""
        return self.closed_reason(d) is None
