"""Rules the suite once let a mutant break unnoticed (issue 11), each checked where it acts.

- R3: a card or certificate only for a holder employed in the issuing organisation at that
  moment, not only when the case started; a holder who moved to another organisation (no
  end date to cap the validity) is refused.
- R4: a certificate is renewed only at its card's own LoA, even when a process version's
  renewal task says another.
- R6: the inbox the CLI (`task list`) and the API (`GET /api/tasks`) read never offers a
  user a task of a case about their own identity.

Each test was checked by applying its mutant by hand and seeing it fail (docs in the
branch's report).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.errors import NotPermitted
from engine.model import Employment
from engine.model import Organisation
from engine.model import Person
from engine.services import queries
from engine.services.queries import show_card
from tests.support.flows import Flows
from tests.support.versions import changed
from tests.support.versions import store_process

LOA3_RENEWAL_IN_THE_LOA2_PROCESS = changed(
    "loa2-remote-order.bpmn",
    (
        '<spiffworkflow:property name="action" value="renew_certificate" />\n'
        '          <spiffworkflow:property name="loa" value="2" />',
        '<spiffworkflow:property name="action" value="renew_certificate" />\n'
        '          <spiffworkflow:property name="loa" value="3" />',
    ),
)


def _move_to_another_organisation(flows: Flows, username: str) -> None:
    """The directory now employs `username` only outside Region Demo, from the start."""
    with flows.runtime.database.sessions() as session:
        other = Organisation(code="region-annan", name="Region Annan")
        person = session.scalars(select(Person).where(Person.username == username)).one()
        for employment in person.employments:
            employment.organisation = other
        session.commit()


def _employments(flows: Flows, username: str) -> list[tuple[str, date | None]]:
    with flows.runtime.database.sessions() as session:
        rows = session.execute(
            select(Organisation.code, Employment.end_date)
            .join(Employment, Employment.organisation_id == Organisation.id)
            .join(Person, Person.id == Employment.person_id)
            .where(Person.username == username)
        )
        return [(code, end) for code, end in rows]


def test_r3_issuing_to_a_holder_no_longer_employed_in_the_organisation_is_refused(
    flows: Flows,
) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", "frida")
    _move_to_another_organisation(flows, "frida")
    assert _employments(flows, "frida") == [("region-annan", None)]
    with pytest.raises(NotPermitted) as refused:
        flows.at("2026-11-24 10:00").complete(
            case.id,
            "second_verification",
            "bertil",
            id_document="passport",
            card_number="RK000001",
            valid_until="2027-05-01",
        )
    assert refused.value.rule == "R3"
    card = show_card(flows.runtime, "RK000001")
    assert (card["state"], card["holder"], card["certificates"]) == ("in_stock", None, [])


def test_r3_renewing_for_a_holder_no_longer_employed_in_the_organisation_is_refused(
    flows: Flows,
) -> None:
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07")
    flows.at("2026-12-04 16:00").complete(case.id, "request_renewal", "david")
    _move_to_another_organisation(flows, "erik")
    with pytest.raises(NotPermitted) as refused:
        flows.complete(case.id, "renew_loa2", "sara", valid_until="2026-12-18")
    assert refused.value.rule == "R3"
    assert len(show_card(flows.runtime, "RK000001")["certificates"]) == 1


def test_r4_a_renewal_at_another_loa_than_the_cards_is_refused(flows: Flows) -> None:
    assert store_process(flows.at("2026-11-23 15:00"), LOA3_RENEWAL_IN_THE_LOA2_PROCESS) == 2
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    assert case.version == 2
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07")
    flows.at("2026-12-03 10:00").complete(case.id, "request_renewal", "david")
    with pytest.raises(NotPermitted, match=r"\(R4\)") as refused:
        flows.complete(case.id, "renew_loa2", "sara", valid_until="2026-12-18")
    assert refused.value.rule == "R4"
    card = show_card(flows.runtime, "RK000001")
    assert card["loa"] == 2
    assert [(c["kind"], c["loa"]) for c in card["certificates"]] == [("issue", 2)]


def _make_card_user(flows: Flows, username: str, number: str) -> None:
    """An ID administrator who is also a card user in the directory."""
    with flows.runtime.database.sessions() as session:
        person = session.scalars(select(Person).where(Person.username == username)).one()
        region = session.scalars(
            select(Organisation).where(Organisation.code == "region-demo")
        ).one()
        person.identity_number = number
        person.birth_date = date(1970, 1, 1)
        if not person.employments:
            session.add(Employment(person=person, organisation=region, start_date=date(2024, 1, 1)))
        session.commit()


def test_r6_the_inbox_never_offers_a_task_of_a_case_about_the_users_own_identity(
    flows: Flows,
) -> None:
    _make_card_user(flows, "bertil", "19700101-1233")
    about_bertil = flows.at("2026-11-23 10:00").start_loa3("anna", "bertil")
    about_frida = flows.start_loa3("anna", "frida")
    listed = {
        (t.case, t.name) for t in queries.tasks_for(flows.runtime, flows.clock, "bertil").items
    }
    assert (about_frida.id, "second_verification") in listed  # he may work others' cases
    assert (about_bertil.id, "second_verification") not in listed
