"""Long detail tables laid out straight onto PDF pages with fpdf2, not through WeasyPrint.

WeasyPrint lays out every table cell as CSS boxes, at about 10–15 ms per printed row on
the build machine, so 20,000 rows took minutes (docs/benchmarks.md, Reports). These tables
have fixed column widths and rows that never split, which needs no CSS engine: each cell is
a few lines of text, wrapped at word boundaries by the font's own advance widths, and a row
that does not fit goes to the next page under a repeated header row. That is ~1 ms a row.

fpdf2 internals used (pinned to 2.8 in pyproject.toml): a page's `contents` buffer, the
resource catalogue, a TTF font's `i`, `cw` and `encode_text`. The fonts are Debian's
fonts-dejavu-core, as WeasyPrint's. The look follows `templates/print.css`: DejaVu Sans, the blue header row, zebra stripes,
the running header (organisation, report, period, generation time, versions) and the
report's title in the footer. Page numbers ("sida 3 av 7") are stamped on the merged
document afterwards (`reports.pages`), since only then is the total known.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Generic
from typing import TypeVar

from fpdf import FPDF
from fpdf.enums import PDFResourceType

from engine.reporting.common import ReportHeader

T = TypeVar("T")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# One line of a cell: its text and its style (a key of STYLES).
Line = tuple[str, str]
Cell = Sequence[Line]

MARGIN_SIDE = 14.0
MARGIN_TOP = 30.0
MARGIN_BOTTOM = 16.0
FOOTER_BASELINE_FROM_BOTTOM = 7.0
PADDING_X = 1.5
PADDING_Y = 1.1
BLUE = (31, 78, 121)
STRIPE = (244, 247, 250)
RULE = (208, 215, 222)
_BREAK_AFTER = re.compile(r"(?<=[/-])")


@dataclass(frozen=True)
class Style:
    bold: bool
    size: float  # points
    colour: tuple[int, int, int]
    leading: float  # mm per line


STYLES = {
    "": Style(False, 8.0, (26, 26, 26), 3.4),
    "b": Style(True, 8.0, (26, 26, 26), 3.4),
    "small": Style(False, 7.0, (85, 85, 85), 3.0),
    "bad": Style(True, 8.0, (156, 28, 28), 3.4),
    "good": Style(False, 8.0, (45, 106, 30), 3.4),
    "warn": Style(False, 8.0, (138, 90, 0), 3.4),
    "small_warn": Style(False, 7.0, (138, 90, 0), 3.0),
    "small_bad": Style(True, 7.0, (156, 28, 28), 3.0),
}


@dataclass(frozen=True)
class Column(Generic[T]):
    """A column: its heading, its share of the page width, and how a row fills its cell."""

    heading: str
    share: float
    cell: Callable[[T], Cell]
    right: bool = False


@dataclass(frozen=True)
class Table(Generic[T]):
    """A heading above the table, the columns, the rows, and what an empty table says."""

    title: str
    columns: Sequence[Column[T]]
    rows: Iterable[T]
    count: int
    title_style: str = "title"
    empty_text: str | None = None


class TablePages(FPDF):
    """An fpdf2 document whose pages carry the report's running header and footer."""

    def __init__(self, header: ReportHeader, meta: Sequence[str], title: str, landscape: bool):
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.report_header = header
        self.meta = meta
        self.report_title = title
        self.add_font("DejaVu", "", str(REGULAR))
        self.add_font("DejaVu", "B", str(BOLD))
        self.set_auto_page_break(False)
        self.set_margins(MARGIN_SIDE, MARGIN_TOP, MARGIN_SIDE)
        self.usable = self.w - 2 * MARGIN_SIDE
        self.bottom = self.h - MARGIN_BOTTOM
        self.y_at = MARGIN_TOP
        self._current: tuple[bool, float] | None = None
        self._encoded: dict[tuple[Style, str], bytes] = {}
        self._units: dict[tuple[bool, str], int] = {}
        self._wrapped: dict[tuple[Style, str, float], list[str]] = {}
        self._ops: list[bytes] = []  # raw operators waiting for the current page
        self._widths: dict[bool, list[int] | Any] = {
            bold: self.fonts["dejavuB" if bold else "dejavu"].cw for bold in (False, True)
        }

    # Rows are written as raw PDF operators into the page's content (each in its own q…Q,
    # so fpdf2's idea of the current colours and font stays true): fpdf2's text(),
    # set_font() and colour calls cost ~60 µs each and a row has up to twenty lines.
    # Encoded strings are cached, since most cells repeat (roles, actions, versions).
    def raw_text(self, x: float, y: float, text: str, style: Style) -> None:
        key = (style, text)
        body = self._encoded.get(key)
        if body is None:
            font = self.fonts["dejavuB" if style.bold else "dejavu"]
            r, g, b = (channel / 255 for channel in style.colour)
            body = (
                f"/F{font.i} {style.size:.2f} Tf {r:.3f} {g:.3f} {b:.3f} rg "
                f"{font.encode_text(text)} ET Q\n"
            ).encode("latin-1")
            self._encoded[key] = body
        self._ops.append(b"q BT %.2f %.2f Td %s" % (x * self.k, (self.h - y) * self.k, body))

    def raw_rect(
        self, x: float, y: float, w: float, h: float, colour: tuple[int, int, int]
    ) -> None:
        r, g, b = (channel / 255 for channel in colour)
        k = self.k
        self._ops.append(
            b"q %.3f %.3f %.3f rg %.2f %.2f %.2f %.2f re f Q\n"
            % (r, g, b, x * k, (self.h - y - h) * k, w * k, h * k)
        )

    def raw_rule(self, x1: float, x2: float, y: float, colour: tuple[int, int, int]) -> None:
        r, g, b = (channel / 255 for channel in colour)
        k = self.k
        y_pt = (self.h - y) * k
        self._ops.append(
            b"q %.3f %.3f %.3f RG 0.40 w %.2f %.2f m %.2f %.2f l S Q\n"
            % (r, g, b, x1 * k, y_pt, x2 * k, y_pt)
        )

    def flush(self) -> None:
        """Write the waiting raw operators to the current page, in one piece."""
        if self._ops:
            contents = self.pages[self.page].contents
            assert isinstance(contents, bytearray)
            contents.extend(b"".join(self._ops))
            self._ops.clear()

    def use(self, style: Style) -> None:
        key = (style.bold, style.size)
        if key != self._current:
            self.set_font("DejaVu", "B" if style.bold else "", style.size)
            self._current = key
        self.set_text_color(*style.colour)

    def width(self, text: str, style: Style) -> float:
        key = (style.bold, text)
        units = self._units.get(key)
        if units is None:
            units = sum(map(self._widths[style.bold].__getitem__, map(ord, text)))
            self._units[key] = units
        return units * style.size * 0.001 / self.k

    def wrap(self, text: str, style: Style, room: float) -> list[str]:
        """Greedy word wrap to `room` mm. A word too long for a line breaks after a "/" or
        "-" ("TjänsteID/" "Servicecenter"), else by characters. Cached: cells repeat."""
        key = (style, text, room)
        found = self._wrapped.get(key)
        if found is None:
            found = self._wrap(text, style, room)
            self._wrapped[key] = found
        return found

    def _wrap(self, text: str, style: Style, room: float) -> list[str]:
        if self.width(text, style) <= room:
            return [text]
        tokens: list[tuple[str, str]] = []  # (separator before, piece)
        for word in text.split(" "):
            pieces = _BREAK_AFTER.split(word) if self.width(word, style) > room else [word]
            tokens.extend((" " if i == 0 else "", piece) for i, piece in enumerate(pieces) if piece)
        lines: list[str] = []
        current = ""
        for separator, piece in tokens:
            candidate = f"{current}{separator}{piece}" if current else piece
            if self.width(candidate, style) <= room:
                current = candidate
                continue
            if current:
                lines.append(current)
            while self.width(piece, style) > room and len(piece) > 1:
                cut = len(piece) - 1
                while cut > 1 and self.width(piece[:cut], style) > room:
                    cut -= 1
                lines.append(piece[:cut])
                piece = piece[cut:]
            current = piece
        lines.append(current)
        return lines

    def new_page(self) -> None:
        if self.page:
            self.flush()
        self.add_page()
        for key in ("dejavu", "dejavuB"):  # both fonts in the page's resources, for raw_text
            self._resource_catalog.add(PDFResourceType.FONT, self.fonts[key].i, self.page)
        self._current = None
        self._draw_running_header()
        self.use(STYLES["small"])
        self.set_text_color(102, 102, 102)
        self.text(MARGIN_SIDE, self.h - FOOTER_BASELINE_FROM_BOTTOM, self.report_title)
        self.y_at = MARGIN_TOP

    def _draw_running_header(self) -> None:
        top = 12.0
        title = Style(False, 10.0, BLUE, 4.0)
        self.use(title)
        self.text(
            self.w - MARGIN_SIDE - self.width(self.report_title, title), top + 4, self.report_title
        )
        organisation = Style(True, 10.0, BLUE, 4.0)
        self.use(organisation)
        self.text(MARGIN_SIDE, top + 4, self.report_header.organisation)
        meta = Style(False, 7.5, (51, 51, 51), 3.0)
        self.use(meta)
        x = MARGIN_SIDE
        for part in self.meta:
            self.text(x, top + 8.5, part)
            x += self.width(part, meta) + 4
        self.set_draw_color(*BLUE)
        self.set_line_width(0.21)
        self.line(MARGIN_SIDE, top + 10.5, self.w - MARGIN_SIDE, top + 10.5)

    def heading(self, text: str, style: str) -> None:
        self.flush()  # what fpdf2 draws goes after the rows already waiting
        colour = (156, 28, 28) if style == "violations" else BLUE
        heading = Style(True, 11.5, colour, 5.0)
        if self.y_at + 20 > self.bottom:
            self.new_page()
        self.use(heading)
        self.y_at += 2
        self.text(MARGIN_SIDE, self.y_at + 4.2, text)
        self.y_at += 7

    def paragraph(self, text: str, style: str = "") -> None:
        self.flush()
        look = STYLES[style]
        for line in self.wrap(text, look, self.usable):
            if self.y_at + look.leading > self.bottom:
                self.new_page()
            self.use(look)
            self.text(MARGIN_SIDE, self.y_at + look.leading - 0.8, line)
            self.y_at += look.leading
        self.y_at += 1.5


def _edges(pdf: TablePages, columns: Sequence[Column[Any]]) -> list[float]:
    total = sum(column.share for column in columns)
    edges = [MARGIN_SIDE]
    for column in columns:
        edges.append(edges[-1] + pdf.usable * column.share / total)
    return edges


def _header_row(pdf: TablePages, columns: Sequence[Column[Any]], edges: list[float]) -> None:
    look = Style(True, 7.5, (255, 255, 255), 3.1)
    cells = [
        pdf.wrap(column.heading, look, edges[i + 1] - edges[i] - 2 * PADDING_X)
        for i, column in enumerate(columns)
    ]
    height = max(len(lines) for lines in cells) * look.leading + 2.6
    pdf.set_fill_color(*BLUE)
    pdf.rect(MARGIN_SIDE, pdf.y_at, pdf.usable, height, style="F")
    pdf.use(look)
    for i, lines in enumerate(cells):
        # Headings sit at the bottom of the header row, as `vertical-align: bottom` does.
        y = pdf.y_at + height - 1.4 - (len(lines) - 1) * look.leading
        for line in lines:
            x = edges[i] + PADDING_X
            if columns[i].right:
                x = edges[i + 1] - PADDING_X - pdf.width(line, look)
            pdf.text(x, y, line)
            y += look.leading
    pdf.y_at += height


def draw_table(pdf: TablePages, table: Table[Any], advance: Callable[[], None]) -> None:
    """Lay out `table` from the current position; `advance()` is called once per row."""
    pdf.heading(table.title, table.title_style)
    if table.count == 0:
        if table.empty_text:
            pdf.paragraph(table.empty_text, "good")
        return
    columns = table.columns
    edges = _edges(pdf, columns)
    _header_row(pdf, columns, edges)
    rooms = [edges[i + 1] - edges[i] - 2 * PADDING_X for i in range(len(columns))]
    stripe = False
    for row in table.rows:
        cells: list[list[tuple[str, Style]]] = []
        for column, room in zip(columns, rooms, strict=True):
            lines: list[tuple[str, Style]] = []
            for text, style in column.cell(row):
                look = STYLES[style]
                lines.extend((part, look) for part in pdf.wrap(text, look, room))
            cells.append(lines)
        height = 2 * PADDING_Y + max(sum(look.leading for _, look in c) for c in cells)
        if pdf.y_at + height > pdf.bottom:
            pdf.new_page()
            _header_row(pdf, columns, edges)
            stripe = False
        if stripe:
            pdf.raw_rect(MARGIN_SIDE, pdf.y_at, pdf.usable, height, STRIPE)
        stripe = not stripe
        for i, lines in enumerate(cells):
            y = pdf.y_at + PADDING_Y
            for text, look in lines:
                y += look.leading
                x = edges[i] + PADDING_X
                if columns[i].right:
                    x = edges[i + 1] - PADDING_X - pdf.width(text, look)
                pdf.raw_text(x, y - 0.8, text, look)
        pdf.y_at += height
        pdf.raw_rule(MARGIN_SIDE, MARGIN_SIDE + pdf.usable, pdf.y_at, RULE)
        advance()
    pdf.y_at += 3


@dataclass(frozen=True)
class Numbering:
    """How the table pages are numbered in the merged report: "sida {first + i} av {total}"
    where `total` is the other parts' pages plus these."""

    page_word: str
    of_word: str
    pages_before: int
    pages_after: int


def _number_pages(pdf: TablePages, numbering: Numbering) -> None:
    """Stamp every table page, now that their count is known (the total must be)."""
    look = Style(False, 7.5, (68, 68, 68), 3.0)
    pages = pdf.page_no()
    total = numbering.pages_before + pages + numbering.pages_after
    last = pdf.page
    for index in range(1, pages + 1):
        pdf.page = index
        text = f"{numbering.page_word} {numbering.pages_before + index} {numbering.of_word} {total}"
        x = pdf.w - MARGIN_SIDE - pdf.width(text, look)
        pdf.raw_text(x, pdf.h - FOOTER_BASELINE_FROM_BOTTOM, text, look)
        pdf.flush()
    pdf.page = last


def write_tables(
    path: Path,
    header: ReportHeader,
    meta: Sequence[str],
    title: str,
    landscape: bool,
    tables: Sequence[Table[Any]],
    advance: Callable[[], None],
    numbering: Numbering,
) -> int:
    """Write `tables` one after another to `path`, numbered; return the number of pages."""
    pdf = TablePages(header, meta, title, landscape)
    pdf.new_page()
    for table in tables:
        draw_table(pdf, table, advance)
    pdf.flush()
    _number_pages(pdf, numbering)
    pdf.output(str(path))
    return int(pdf.page_no())
