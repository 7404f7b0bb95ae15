"""One PDF from the report's parts, with "sida N av M" stamped on every page.

A report is laid out in parts (WeasyPrint for the prose, figures and charts; fpdf2 for the
long tables, `reports.tables`), and only the merged document knows its page count, so the
numbers are stamped last: an fpdf2 page per page carrying only the number, in the same
font and place as the footer's title, drawn over each page with pypdf.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader
from pypdf import PdfWriter

from reports.tables import BOLD
from reports.tables import FOOTER_BASELINE_FROM_BOTTOM
from reports.tables import MARGIN_SIDE
from reports.tables import REGULAR

NUMBER_SIZE_PT = 7.5


def _numbers(total: int, landscape: bool, page_word: str, of_word: str) -> PdfReader:
    """`total` pages, each with only its own "sida N av M" at the bottom right."""
    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_auto_page_break(False)
    pdf.set_font("DejaVu", "", NUMBER_SIZE_PT)
    pdf.set_text_color(68, 68, 68)
    for number in range(1, total + 1):
        pdf.add_page()
        text = f"{page_word} {number} {of_word} {total}"
        x = pdf.w - MARGIN_SIDE - pdf.get_string_width(text)
        pdf.text(x, pdf.h - FOOTER_BASELINE_FROM_BOTTOM, text)
    return PdfReader(BytesIO(bytes(pdf.output())))


def merge_and_number(
    parts: Sequence[Path],
    out: Path,
    *,
    landscape: bool,
    page_word: str,
    of_word: str,
    advance: Callable[[int, int], None] = lambda done, total: None,
) -> int:
    """Concatenate `parts` into `out`, numbering every page; return the page count.

    `advance(done, total)` is called once per page stamped, for progress.
    """
    writer = PdfWriter()
    for part in parts:
        writer.append(str(part))
    total = len(writer.pages)
    numbers = _numbers(total, landscape, page_word, of_word)
    for done, (page, number) in enumerate(zip(writer.pages, numbers.pages, strict=True), 1):
        page.merge_page(number)
        # merge_page leaves the page's content uncompressed: five times the size otherwise.
        page.compress_content_streams()
        advance(done, total)
    writer.compress_identical_objects()  # the number font once, not once per page
    with out.open("wb") as handle:
        writer.write(handle)
    return total
