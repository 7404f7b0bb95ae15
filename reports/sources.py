"""What a report module reads from, and how streamed rows become a bounded detail table."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Generic
from typing import TypeVar

from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.reporting.common import Period
from engine.reporting.common import StaffIndex
from engine.services.policy import PolicyReader
from engine.services.read_scope import ReadScope
from reports.i18n import Labels
from reports.progress import READING
from reports.progress import READING_PERCENT
from reports.progress import ReportProgress
from reports.progress import Watcher
from reports.progress import ignore
from reports.request import ReportRequest

T = TypeVar("T")
PROGRESS_EVERY_ROWS = 10_000
WATCH_EVERY_ROWS = 1_000
Progress = Callable[[str], None]


def _silent(_: str) -> None:
    return None


@dataclass
class Sources:
    """One open session and what every report needs alongside it."""

    session: Session
    clock: Clock
    policy: PolicyReader
    staff: StaffIndex
    request: ReportRequest
    labels: Labels
    progress: Progress = _silent
    watch: Watcher = ignore
    rows_read: int = 0
    # S2: the reader's scope, in every row query; None for the operator's `sithsflow report`.
    scope: ReadScope | None = None

    @property
    def period(self) -> Period:
        assert self.request.period is not None, "checked by ReportRequest.parse"
        return self.request.period

    def period_text(self) -> str:
        period = self.request.period
        if period is None:
            return "–"
        if period.first_day == period.last_day:
            return period.first_day.isoformat()
        return f"{period.first_day.isoformat()} – {period.last_day.isoformat()}"

    def tick(self) -> None:
        """Count one streamed row; say so on the progress channel every 10,000 rows."""
        self.rows_read += 1
        if self.rows_read % WATCH_EVERY_ROWS == 0:
            self.watch(ReportProgress(READING, self.rows_read, READING_PERCENT))
        if self.rows_read % PROGRESS_EVERY_ROWS == 0:
            self.progress(self.labels("progress_rows", n=self.labels.number(self.rows_read)))


@dataclass
class Detail(Generic[T]):
    """Every row of a detail table, in the order streamed; nothing is left out (issue 11).

    The rows wait here until the totals above them are known; they are small frozen
    dataclasses (20,000 rows are a few MB), while the layout, not the list, was what grew
    with the rows printed before tables left WeasyPrint (`reports.tables`).
    """

    rows: list[T] = field(default_factory=list)

    def offer(self, row: T) -> None:
        self.rows.append(row)

    @property
    def count(self) -> int:
        return len(self.rows)


def collect(sources: Sources, rows: Iterable[T]) -> Detail[T]:
    """Stream `rows` into a detail table, counting progress as they pass."""
    detail: Detail[T] = Detail()
    for row in rows:
        sources.tick()
        detail.offer(row)
    return detail
