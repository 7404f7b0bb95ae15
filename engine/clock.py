"""The clock, passed in everywhere so that rules are judged at a known instant.

Domain code never reads the wall clock itself: a `--now` simulation, a test and the
scheduler all hand in a `Clock`, and the audit trail records which kind it was.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current aware instant and where it came from."""

    source: str

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    source = "system"

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock set by an operator (`--now`) or a test; it can be moved forward."""

    source = "set"

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)
