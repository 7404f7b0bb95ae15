"""The clock, passed in everywhere so that rules are judged at a known instant.

Domain code never reads the wall clock itself: a `--now` simulation, a test and the
worker all hand in a `Clock`, and the audit trail records which kind it was (`source`:
`system` for the real time, `set` for any clock an operator or a test chose).

One clock per process: `engine.settings.Settings.clock()` builds it once from the
environment (`SITHSFLOW_NOW` or `SITHSFLOW_CLOCK_OFFSET`), and the pages, the API and the
worker of one deployment all read the same settings, so they judge every rule at the same
instant (issue 10: the sweep used to fire at real time while the pages were simulated).
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Protocol

SYSTEM_SOURCE = "system"
SET_SOURCE = "set"


class Clock(Protocol):
    """Anything that can tell the current aware instant and where it came from."""

    source: str

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    source = SYSTEM_SOURCE

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock set by an operator (`--now`) or a test; it can be moved forward."""

    source = SET_SOURCE

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


class OffsetClock:
    """The real time moved by a fixed offset: a simulation in which time still runs.

    Unlike a `FixedClock`, deadlines come due by themselves: with an offset of five days
    and a minute, a LoA3 case started now lapses (R7) at the worker's next sweep after a
    minute. Every process started with the same offset shows the same time.
    """

    source = SET_SOURCE

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def is_simulated(clock: Clock) -> bool:
    """Whether rules are judged at a time other than the real one (the pages' banner)."""
    return clock.source != SYSTEM_SOURCE
