"""Generate one report: gather rows through the engine, lay out the parts, write the PDF.

The session is closed before the layout runs, so a long layout never holds a database
transaction open.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.clock import Clock
from engine.reporting.common import StaffIndex
from engine.reporting.common import read_header
from engine.services.policy import PolicyReader
from engine.services.read_scope import Reader
from engine.services.read_scope import scope_of
from engine.services.runtime import Runtime
from reports import audit
from reports import compliance
from reports import deadlines
from reports import expiring
from reports import issuance
from reports import staffing
from reports.i18n import Labels
from reports.progress import Watcher
from reports.progress import ignore
from reports.render import Page
from reports.render import write_report
from reports.request import AUDIT
from reports.request import DEADLINES
from reports.request import EXPIRING
from reports.request import ISSUANCE
from reports.request import LOA2_COMPLIANCE
from reports.request import STAFFING
from reports.request import ReportRequest
from reports.sources import PROGRESS_EVERY_ROWS
from reports.sources import Progress
from reports.sources import Sources

BUILDERS: dict[str, Callable[[Sources], Page]] = {
    ISSUANCE: issuance.build,
    LOA2_COMPLIANCE: compliance.build,
    DEADLINES: deadlines.build,
    EXPIRING: expiring.build,
    STAFFING: staffing.build,
    AUDIT: audit.build,
}


def _silent(_: str) -> None:
    return None


def generate_report(
    runtime: Runtime,
    clock: Clock,
    request: ReportRequest,
    progress: Progress = _silent,
    watch: Watcher = ignore,
    *,
    reader: Reader | None = None,
) -> Path:
    """Write the requested report to `request.out` and return its path; with a `reader`,
    only the rows of their S2 scope.

    `progress` gets sentences for the CLI; `watch` gets how far it got (a background job's
    progress bar, `reports.jobs`).
    """
    labels = Labels(request.lang)
    with runtime.database.sessions() as session:
        policy = PolicyReader(session)
        sources = Sources(
            session=session,
            clock=clock,
            policy=policy,
            staff=StaffIndex.load(session),
            request=request,
            labels=labels,
            progress=progress,
            watch=watch,
            scope=scope_of(session, reader),
        )
        page = BUILDERS[request.name](sources)
        header = read_header(session, clock, policy)
    if sources.rows_read >= PROGRESS_EVERY_ROWS:
        progress(labels("progress_render", n=labels.number(sources.rows_read)))
    write_report(
        page,
        header,
        labels,
        request.out,
        rows_read=sources.rows_read,
        watch=watch,
        inline_rows=request.inline_rows,
    )
    return request.out
