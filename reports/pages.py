"""One PDF from the report's parts, with "sida N av M" on every page.

A report is laid out in parts (WeasyPrint for the prose, figures and charts; fpdf2 for the
long tables, `reports.tables`, which numbers its own pages). The WeasyPrint parts' pages,
a few, get their numbers here: an fpdf2 page carrying only the number, in the same font
and place as the footer's title, drawn over the page with pypdf.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader
from pypdf import PdfWriter

from reports.tables import FOOTER_BASELINE_FROM_BOTTOM
from reports.tables import MARGIN_SIDE
from reports.tables import REGULAR

NUMBER_SIZE_PT = 7.5


def _numbers(
    numbers: Sequence[int], total: int, landscape: bool, page_word: str, of_word: str
) -> PdfReader:
    """A page for each of `numbers`, with only its "sida N av M" at the bottom right."""
    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.set_auto_page_break(False)
    pdf.set_font("DejaVu", "", NUMBER_SIZE_PT)
    pdf.set_text_color(68, 68, 68)
    for number in numbers:
        pdf.add_page()
        text = f"{page_word} {number} {of_word} {total}"
        x = pdf.w - MARGIN_SIDE - pdf.get_string_width(text)
        pdf.text(x, pdf.h - FOOTER_BASELINE_FROM_BOTTOM, text)
    return PdfReader(BytesIO(bytes(pdf.output())))


def page_count(path: Path) -> int:
    return len(PdfReader(path).pages)


def merge_and_number(
    parts: Sequence[tuple[Path, bool]],
    out: Path,
    *,
    landscape: bool,
    page_word: str,
    of_word: str,
) -> int:
    """Concatenate `parts` (path, whether its pages still need numbers) into `out`;
    return the page count."""
    writer = PdfWriter()
    unnumbered: list[int] = []
    for path, needs_numbers in parts:
        first = len(writer.pages)
        writer.append(str(path))
        if needs_numbers:
            unnumbered.extend(range(first, len(writer.pages)))
    total = len(writer.pages)
    if unnumbered:
        stamps = _numbers([i + 1 for i in unnumbered], total, landscape, page_word, of_word)
        for index, stamp in zip(unnumbered, stamps.pages, strict=True):
            page = writer.pages[index]
            page.merge_page(stamp)
            # merge_page leaves the page's content uncompressed: five times the size otherwise.
            page.compress_content_streams()
    with out.open("wb") as handle:
        writer.write(handle)
    return total
