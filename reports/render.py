"""HTML from Jinja2 templates, PDF from WeasyPrint and fpdf2: the only module that renders.

A report with short tables (up to `INLINE_ROWS` rows in all) is one WeasyPrint document
from its Jinja2 template, the print CSS in `templates/print.css`, its tables drawn by the
`detail_table` macro. A longer one is laid out in up to three parts, merged into one PDF:
- the front (title, lead, figures, totals, charts) by WeasyPrint;
- the detail tables (`Page.tables`) by `reports.tables`, at ~1 ms a row where WeasyPrint
  takes 10–15 ms, so no row is left out however many there are;
- the back (the template's `after` block, e.g. the compliance summary) by WeasyPrint.
Both paths take their columns from the same `reports.tables.Column` lists. The page furniture is the same on every part (running header with organisation, period,
generation time, policy and calendar versions; the title in the footer; table headers
repeated on every page; rows never split), and "sida 3 av 7" is stamped over the merged
document by `reports.pages`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2 import FileSystemLoader
from jinja2 import StrictUndefined
from jinja2 import select_autoescape

from engine.reporting.common import ReportHeader
from reports.i18n import Labels
from reports.pages import merge_and_number
from reports.pages import page_count
from reports.progress import ReportProgress
from reports.progress import Watcher
from reports.progress import ignore
from reports.progress import numbering as numbering_progress
from reports.progress import rendering
from reports.request import INLINE_ROWS
from reports.tables import Numbering
from reports.tables import Table
from reports.tables import write_tables

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Page:
    """What a report module hands to the renderer: templates, their context and tables."""

    template: str
    title: str
    period_text: str
    context: dict[str, Any] = field(default_factory=dict)
    landscape: bool = False
    tables: Sequence[Table[Any]] = ()
    has_after: bool = False  # the template's `after` block comes after the tables


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment


_ENVIRONMENT = _environment()


def render_html(page: Page, header: ReportHeader, labels: Labels, part: str = "whole") -> str:
    """HTML for WeasyPrint, print CSS inlined: the `whole` report, its `front` or `back`."""
    css = _ENVIRONMENT.get_template("print.css").render(
        t=labels, landscape=page.landscape, title=page.title
    )
    return _ENVIRONMENT.get_template(page.template).render(
        css=css,
        t=labels,
        lang=labels.lang,
        title=page.title,
        period_text=page.period_text,
        header=header,
        generated=_generated(header),
        part=part,
        tables=page.tables,
        **page.context,
    )


def _generated(header: ReportHeader) -> str:
    return header.generated_at.strftime("%Y-%m-%d %H:%M")


def meta_line(page: Page, header: ReportHeader, labels: Labels) -> list[str]:
    """The running header's second line, as `base.html` prints it."""
    return [
        f"{labels('period')}: {page.period_text}",
        f"{labels('generated')}: {_generated(header)}",
        f"{labels('policy')}: {header.policy_version}",
        f"{labels('calendar')}: {header.calendar_version}",
    ]


def _weasyprint(html: str, target: Path) -> None:
    from weasyprint import HTML  # imported here: slow to import, and only rendering needs it

    HTML(string=html, base_url=str(TEMPLATES)).write_pdf(target)


def write_report(
    page: Page,
    header: ReportHeader,
    labels: Labels,
    out: Path,
    *,
    rows_read: int = 0,
    watch: Watcher = ignore,
    inline_rows: int = INLINE_ROWS,
) -> int:
    """Lay out every part, merge and number them into `out`; return the page count.

    The PDF is written next to its final name, then moved there: no half-written reports.
    """
    out = out.resolve()
    to_print = sum(table.count for table in page.tables)
    printed = 0

    def row_done() -> None:
        nonlocal printed
        printed += 1
        if printed % 200 == 0:
            watch(rendering(rows_read, printed, to_print))

    with tempfile.TemporaryDirectory(prefix=".report-", dir=out.parent) as folder:
        front = Path(folder) / "front.pdf"
        inline = to_print <= inline_rows
        _weasyprint(render_html(page, header, labels, "whole" if inline else "front"), front)
        parts = [(front, True)]
        if not inline:
            # The back first: the table pages' numbers count its pages too.
            back = Path(folder) / "back.pdf"
            if page.has_after:
                _weasyprint(render_html(page, header, labels, "back"), back)
            watch(rendering(rows_read, 0, to_print))
            tables = Path(folder) / "tables.pdf"
            numbering = Numbering(
                labels("page"),
                labels("of"),
                pages_before=page_count(front),
                pages_after=page_count(back) if page.has_after else 0,
            )
            meta = meta_line(page, header, labels)
            write_tables(
                tables, header, meta, page.title, page.landscape, page.tables, row_done, numbering
            )
            parts.append((tables, False))
            if page.has_after:
                parts.append((back, True))
        watch(numbering_progress(rows_read, 0, 1))
        handle, temporary = tempfile.mkstemp(prefix=".report-", suffix=".pdf", dir=out.parent)
        os.close(handle)
        try:
            pages_total = merge_and_number(
                parts,
                Path(temporary),
                landscape=page.landscape,
                page_word=labels("page"),
                of_word=labels("of"),
            )
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    watch(ReportProgress("done", rows_read, 100))
    return pages_total
