"""No cap on printed rows (issue 11): long tables are laid out apart from the prose and
merged, with "sida N av M" right on every page and the table header on every page.

A modest row count with `inline_rows=0` (every table through reports/tables.py) keeps the
test quick while still crossing many pages and all three parts (front, tables, back).
"""

from __future__ import annotations

import re
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import insert
from sqlalchemy import select

from engine.model import Certificate
from engine.model import Organisation
from engine.model import Person
from engine.model import ReserveCard
from engine.services.runtime import Runtime
from tests.reports.conftest import Render
from tests.support.flows import Flows

ROWS = 2_100  # more than the 2,000 rows the old cap printed
START = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)  # evenings: outside office hours (R12)


def _many_loa2_certificates(runtime: Runtime) -> None:
    with runtime.database.sessions() as session:
        staff = {p.username: p.id for p in session.scalars(select(Person))}
        region = session.scalars(select(Organisation).where(Organisation.parent_id.is_(None))).one()
        cards, certificates = [], []
        for n in range(ROWS):
            number = f"LONG{n:06d}"
            at = START + timedelta(minutes=7 * n)
            cards.append({"number": number, "organisation_id": region.id, "produced_on": date(2025, 1, 1),
                          "state": "issued", "holder_id": staff["frida"], "loa": 2, "issued_at": at})  # fmt: skip
            certificates.append({"card_number": number, "holder_id": staff["frida"], "loa": 2, "kind": "issue",
                                 "valid_from": at, "valid_until": at + timedelta(days=20 if n % 10 == 0 else 7),
                                 "issued_by_id": staff["sara"], "valid_for_national_systems": True,
                                 "ceiling_rule": "R11", "policy_version": "test"})  # fmt: skip
        session.execute(insert(ReserveCard), cards)
        session.execute(insert(Certificate), certificates)
        session.commit()


def _pages(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def test_every_row_prints_with_page_numbers_and_headers_right_across_the_parts(
    flows: Flows, runtime: Runtime, render: Render
) -> None:
    _many_loa2_certificates(runtime)
    text = render(
        "loa2-compliance",
        first="2026-01-01",
        last="2026-02-28",
        inline_rows=0,
        now="2026-03-01 12:00",
    )
    pages = _pages(Path(render.folder) / "loa2-compliance-sv.pdf")  # type: ignore[attr-defined]
    total = len(pages)
    assert total > 40
    for number, page in enumerate(pages, 1):
        # Each page once: its own number and the document's total, whatever part it is in.
        assert re.findall(r"sida (\d+) av (\d+)", page) == [(str(number), str(total))], number
        assert "Region Demo" in page and "Period: 2026-01-01 – 2026-02-28" in page
    table_pages = [page for page in pages if "LONG" in page]
    assert all("Tid (lokal) Kort / Innehavare Kontorstid (R12)" in page for page in table_pages)
    # Every card is there, violations (R11: 20 days) first, and the summary after the rows.
    printed = re.findall(r"LONG\d{6}", text)
    assert sorted(printed) == [f"LONG{n:06d}" for n in range(ROWS)]
    compliant_heading = text.index("Enligt reglerna (")
    assert all(text.index(f"LONG{n:06d}") < compliant_heading for n in range(0, ROWS, 10))
    assert "rader till" not in text
    assert text.index("LONG000009") < text.index("Överträdelser per regel")
    assert re.search(r"Bedömda 2\W?100\b", text), re.findall(r"Bedömda.{0,12}", text)
