"""R16 ordinary cards: a full ID administrator orders, the service desk mails, a full ID
administrator activates in person; not activated 100 days after mailing, the worker's timer
sweep revokes the card with no one acting and the case lapses, after a reminder."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.errors import NotPermitted
from engine.model import AdminRight
from engine.model import AuditEvent
from engine.model import CardRevocation
from engine.model import CardStation
from engine.model import Employment
from engine.model import Organisation
from engine.model import OutboxMessage
from engine.model import Person
from engine.rights import ID_ADMIN_FULL
from engine.services import queries
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows

FULL_ADMIN = "ylva"  # a test-only full ID administrator (the demo's is elin)


@pytest.fixture
def full_admin(flows: Flows) -> str:
    with flows.runtime.database.sessions() as session:
        region = session.scalars(
            select(Organisation).where(Organisation.code == "region-demo")
        ).one()
        station = session.scalars(select(CardStation).where(CardStation.code == "halmstad")).one()
        person = Person(username=FULL_ADMIN, display_name="Ylva Ytter")
        session.add(person)
        session.add(Employment(person=person, organisation=region, start_date=date(2024, 1, 1)))
        session.add(
            AdminRight(
                person=person,
                right=ID_ADMIN_FULL,
                organisation=region,
                station=station,
                trained_on=date(2024, 1, 1),
                approved_on=date(2024, 1, 1),
                valid_from=date(2024, 1, 1),
            )
        )
        session.commit()
    return FULL_ADMIN


def mailed(flows: Flows, admin: str) -> int:
    case = flows.at("2026-11-23 10:00").start("ordinary-card", admin, holder="frida")
    flows.at("2026-11-24 10:00").complete(case.id, "mail_card", "sara", card_number="SK000001")
    return case.id


def test_r16_a_full_id_admin_activates_an_ordinary_card_in_person(
    flows: Flows, full_admin: str
) -> None:
    case_id = mailed(flows, full_admin)
    assert queries.show_card(flows.runtime, "SK000001")["state"] == "mailed"
    with pytest.raises(NotPermitted):
        flows.complete(case_id, "activate", "anna", id_document="passport")
    done = flows.at("2026-12-10 10:00").complete(
        case_id, "activate", full_admin, id_document="passport"
    )
    assert done.state == "completed"
    card = queries.show_card(flows.runtime, "SK000001")
    assert (card["state"], card["loa"], card["holder"]) == ("issued", 3, "frida")


def test_r16_a_card_not_activated_100_days_after_mailing_is_revoked_and_the_case_lapses(
    flows: Flows, full_admin: str
) -> None:
    case_id = mailed(flows, full_admin)
    fire_due_timers(flows.runtime, flows.at("2027-02-18 10:01").clock)  # 14 days before
    with flows.runtime.database.sessions() as session:
        reminders = session.scalars(
            select(OutboxMessage).where(OutboxMessage.case_id == case_id)
        ).all()
        assert [m.to_address for m in reminders] == ["frida@region-demo.example"]
    assert queries.show_card(flows.runtime, "SK000001")["state"] == "mailed"

    fire_due_timers(flows.runtime, flows.at("2027-03-04 10:00").clock)  # mailing + 100 days
    assert flows.case(case_id)["state"] == "lapsed"
    assert queries.show_card(flows.runtime, "SK000001")["state"] == "revoked"
    with flows.runtime.database.sessions() as session:
        register = session.scalars(select(CardRevocation)).one()
        assert (register.reason, register.case_id) == ("not_activated", case_id)
        # The lapsing case ends by its own model (lapsed), not as a case ended by revocation.
        assert register.ended_cases == ""
        ended = session.scalars(
            select(AuditEvent).where(
                AuditEvent.case_id == case_id, AuditEvent.action == "ended_by_revocation"
            )
        ).all()
        assert ended == []


def test_r16_only_a_full_id_admin_orders_an_ordinary_card(flows: Flows) -> None:
    with pytest.raises(NotPermitted) as refused:
        flows.start("ordinary-card", "anna", holder="frida")
    assert refused.value.rule == "R5"


def test_r16_an_activated_ordinary_card_is_in_the_issuance_register(
    flows: Flows, full_admin: str
) -> None:
    from engine.reporting.common import StaffIndex
    from engine.reporting.common import parse_period
    from engine.reporting.issuance import IssuanceRegister

    case_id = mailed(flows, full_admin)
    flows.at("2026-12-10 10:00").complete(case_id, "activate", full_admin, id_document="passport")
    with flows.runtime.database.sessions() as session:
        register = IssuanceRegister(
            session, StaffIndex.load(session), parse_period("2026-12-01", "2026-12-31")
        )
        rows = list(register.rows())
    assert [(r.card_number, r.process, r.loa, r.kind) for r in rows] == [
        ("SK000001", "ordinary-card", 3, "issue")
    ]
