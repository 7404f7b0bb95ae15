"""S2 in the reports' rows: a reader's report holds only the cases and cards of their
scope; the operator's `sithsflow report` (no reader) holds every row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import FixedClock
from engine.model import AdminRight
from engine.model import AuditEvent
from engine.model import Organisation
from engine.model import Person
from engine.reporting.audit import AuditExtract
from engine.reporting.common import StaffIndex
from engine.reporting.common import parse_period
from engine.reporting.deadlines import DeadlineReport
from engine.reporting.expiring import ExpiringCertificates
from engine.reporting.issuance import IssuanceRegister
from engine.reporting.staffing import StaffingReport
from engine.rights import MANAGER
from engine.services.policy import PolicyReader
from engine.services.read_scope import Reader
from engine.services.read_scope import ReadScope
from engine.services.read_scope import read_scope
from reports import ReportRequest
from reports import generate_report
from tests.reports.conftest import pdf_text
from tests.support.flows import Flows
from tests.support.flows import local

PERIOD = parse_period("2026-11-01", "2026-11-30")


@pytest.fixture
def issued(flows: Flows) -> Flows:
    """Frida's LoA3 card RK000003 (Region Demo) and erik's LoA2 card RK000002
    (hemtjanst-demo), and mona, a manager of hemtjanst-demo only."""
    flows.at("2026-11-23 15:01")
    loa3 = flows.start_loa3("anna", "frida")
    fields = {"id_document": "passport", "card_number": "RK000003", "valid_until": "2027-05-01"}
    flows.complete(loa3.id, "second_verification", "bertil", **fields)
    loa2 = flows.order_loa2("david", "erik")
    flows.complete(loa2.id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-07")
    with flows.runtime.unit_of_work(flows.clock) as uow:
        unit = uow.session.scalars(
            select(Organisation).where(Organisation.code == "hemtjanst-demo")
        ).one()
        mona = Person(username="mona", display_name="Mona Mellan")
        uow.session.add(mona)
        uow.session.add(
            AdminRight(person=mona, right=MANAGER, organisation=unit, valid_from=date(2024, 1, 1))
        )
        uow.commit()
    return flows


def _scope(session: Session, flows: Flows, username: str) -> ReadScope:
    person = session.scalars(select(Person).where(Person.username == username)).one()
    return read_scope(session, person, flows.clock.now())


@pytest.mark.parametrize(
    ("reader", "cards"),
    [
        ("maria", {"RK000002", "RK000003"}),
        ("mona", {"RK000002"}),
        ("david", {"RK000002"}),
        ("petra", set()),
        (None, {"RK000002", "RK000003"}),
    ],
)
def test_s2_issuance_and_expiring_rows_are_the_readers_cards(
    issued: Flows, reader: str | None, cards: set[str]
) -> None:
    with issued.runtime.database.sessions() as session:
        scope = _scope(session, issued, reader) if reader else None
        staff = StaffIndex.load(session)
        register = IssuanceRegister(session, staff, PERIOD, scope=scope)
        assert {row.card_number for row in register.rows()} == cards
        start, end = local("2026-11-01 00:00"), local("2027-06-01 00:00")
        expiring = ExpiringCertificates(session, staff, start, end, issued.clock.now(), scope=scope)
        assert {row.card_number for row in expiring.rows()} == cards


def test_s2_deadline_and_audit_rows_are_the_readers_cases(issued: Flows) -> None:
    with issued.runtime.database.sessions() as session:
        staff = StaffIndex.load(session)
        now = issued.clock.now()
        region = DeadlineReport(session, staff, PERIOD, now, scope=_scope(session, issued, "maria"))
        unit = DeadlineReport(session, staff, PERIOD, now, scope=_scope(session, issued, "mona"))
        assert len(list(region.rows())) == 1  # frida's LoA3 case
        assert list(unit.rows()) == []
        every = AuditEvent.card_number == "RK000003"
        hidden = AuditExtract(session, every, None, scope=_scope(session, issued, "mona"))
        shown = AuditExtract(session, every, None, scope=_scope(session, issued, "maria"))
        assert list(hidden.rows()) == []
        assert list(shown.rows())


def test_s2_a_generated_report_holds_only_the_readers_rows(issued: Flows, tmp_path: Path) -> None:
    clock = FixedClock(local("2026-12-01 12:00"))
    out = tmp_path / "issuance.pdf"
    request = ReportRequest.parse("issuance", out=out, first="2026-11-01", last="2026-11-30")
    generate_report(issued.runtime, clock, request, reader=Reader("mona", clock.now()))
    text = pdf_text(out)
    assert "RK000002" in text
    assert "RK000003" not in text


def test_s2_staffing_lists_only_the_stations_of_the_readers_organisations(issued: Flows) -> None:
    with issued.runtime.database.sessions() as session:
        staff = StaffIndex.load(session)
        calendar = PolicyReader(session).calendar
        stations = {}
        for reader in ("maria", "mona"):
            scope = _scope(session, issued, reader)
            report = StaffingReport(session, staff, calendar, PERIOD, scope=scope)
            stations[reader] = {row.station for row in report.weekday_table(date(2026, 11, 23))}
    assert stations["maria"] == {"Kortstation Halmstad", "Kortstation Kungsbacka"}
    assert stations["mona"] == set()  # hemtjanst-demo has no card station
