"""How far a report has got, for the CLI's progress lines and the web's progress bar.

Reading the rows has no known end (they are streamed, not counted first), so it takes the
first tenth of the bar; laying out the printed rows takes most of it, and numbering the
merged pages the last tenth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

READING = "reading"
RENDERING = "rendering"
NUMBERING = "numbering"
DONE = "done"
READING_PERCENT = 5
RENDERING_FIRST_PERCENT = 10
NUMBERING_FIRST_PERCENT = 90


@dataclass(frozen=True)
class ReportProgress:
    stage: str
    rows_read: int
    percent: int


Watcher = Callable[[ReportProgress], None]


def ignore(_: ReportProgress) -> None:
    return None


def rendering(rows_read: int, printed: int, to_print: int) -> ReportProgress:
    share = printed / to_print if to_print else 1.0
    span = NUMBERING_FIRST_PERCENT - RENDERING_FIRST_PERCENT
    return ReportProgress(RENDERING, rows_read, RENDERING_FIRST_PERCENT + int(span * share))


def numbering(rows_read: int, done: int, pages: int) -> ReportProgress:
    share = done / pages if pages else 1.0
    span = 100 - NUMBERING_FIRST_PERCENT
    return ReportProgress(
        NUMBERING, rows_read, min(99, NUMBERING_FIRST_PERCENT + int(span * share))
    )
