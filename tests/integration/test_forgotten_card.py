"""R20 forgotten card: frida (Region Demo) names hanna and ivan as attesters; each attests
in their own step; the second attestation issues a temporary LoA2 card to the end of the
next day. erik's hemtjanst-demo does not allow it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.errors import DomainError
from engine.errors import NotPermitted
from engine.model import OutboxMessage
from engine.model import Person
from engine.services import queries
from engine.services.worklist import worklist
from tests.support.flows import Flows


def start(flows: Flows, user: str = "frida", **fields: str) -> int:
    fields.setdefault("attester_1", "hanna")
    fields.setdefault("attester_2", "ivan")
    fields.setdefault("card_number", "RK000005")
    return flows.start("forgotten-card", user, **fields).id


def test_r20_two_attesters_each_in_their_own_step_issue_a_temporary_loa2_card(
    flows: Flows,
) -> None:
    case_id = start(flows.at("2026-03-02 18:00"))
    assert flows.task_names("hanna") == ["attest"]
    assert flows.task_names("ivan") == []
    # Not ivan's turn: the task is hanna's alone (R20); outside his reading it is not found.
    with pytest.raises(DomainError) as refused:
        flows.complete(case_id, "attest", "ivan", attestation="known_colleague")
    assert refused.value.rule in ("R20", "S2")
    flows.complete(case_id, "attest", "hanna", attestation="known_colleague")
    assert flows.task_names("hanna") == []
    assert flows.task_names("ivan") == ["attest"]
    done = flows.complete(case_id, "attest", "ivan", attestation="known_colleague")
    assert done.state == "completed"
    card = queries.show_card(flows.runtime, "RK000005")
    assert (card["state"], card["loa"], card["holder"]) == ("issued", 2, "frida")
    assert card["valid_until"].startswith("2026-03-03T23:59:59")


def test_r20_refused_where_the_organisation_does_not_allow_it(flows: Flows) -> None:
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted) as refused:
        start(flows.at("2026-11-23 18:00"), "erik", attester_1="hanna", attester_2="ivan")
    assert refused.value.rule == "R20"
    assert flows.rows_but_audit() == before


@pytest.mark.parametrize(
    ("first", "second"), [("frida", "ivan"), ("hanna", "hanna"), ("erik", "ivan")]
)
def test_r20_attesters_are_two_different_colleagues_in_the_same_organisation(
    flows: Flows, first: str, second: str
) -> None:
    with pytest.raises(DomainError) as refused:
        start(flows.at("2026-11-23 18:00"), attester_1=first, attester_2=second)
    assert refused.value.rule == "R20"


def test_r12_a_temporary_loa2_card_is_not_issued_in_office_hours(flows: Flows) -> None:
    case_id = start(flows.at("2026-03-02 10:00"))
    flows.complete(case_id, "attest", "hanna", attestation="known_colleague")
    with pytest.raises(NotPermitted) as refused:
        flows.complete(case_id, "attest", "ivan", attestation="known_colleague")
    assert refused.value.rule == "R12"


def test_r14_after_2026_06_30_region_demo_gets_no_temporary_loa2_card(flows: Flows) -> None:
    case_id = start(flows.at("2026-11-23 18:00"))
    flows.complete(case_id, "attest", "hanna", attestation="known_colleague")
    with pytest.raises(DomainError) as refused:
        flows.complete(case_id, "attest", "ivan", attestation="known_colleague")
    assert refused.value.rule == "R14"
    assert queries.show_card(flows.runtime, "RK000005")["state"] == "in_stock"


def _mails(flows: Flows) -> list[tuple[str, str]]:
    """(recipient, subject) of every queued e-mail, oldest first."""
    with flows.runtime.database.sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(m.to_address, m.subject) for m in rows]


def test_r20_each_attester_is_mailed_when_it_is_their_turn_and_no_one_else(
    flows: Flows,
) -> None:
    case_id = start(flows.at("2026-03-02 18:00"))
    mails = _mails(flows)
    assert [to.split("@")[0] for to, _ in mails] == ["hanna"]
    assert "Frida Fors" in mails[0][1]
    flows.complete(case_id, "attest", "hanna", attestation="known_colleague")
    assert [to.split("@")[0] for to, _ in _mails(flows)] == ["hanna", "ivan"]
    flows.complete(case_id, "attest", "ivan", attestation="known_colleague")
    assert len(_mails(flows)) == 2


def test_r20_an_admin_named_as_attester_finds_the_step_once_and_only_as_assigned_to_them(
    flows: Flows,
) -> None:
    """anna works three lanes; her attest step is hers by name, so it is listed once, under
    "assigned to you", and in none of her lanes' queues."""
    _make_card_user(flows, "anna", "19700101-1233")
    start(flows.at("2026-03-02 18:00"), attester_1="anna", attester_2="ivan")
    assert flows.task_names("anna") == ["attest"]
    work = worklist(flows.runtime, flows.clock, "anna")
    assert [t.name for t in work.assigned.items] == ["attest"]
    assert all(t.name != "attest" for page in work.queues.values() for t in page.items)


def _make_card_user(flows: Flows, username: str, number: str) -> None:
    """A colleague in the directory with a personnummer (R3), as an attester must be."""
    with flows.runtime.database.sessions() as session:
        person = session.scalars(select(Person).where(Person.username == username)).one()
        person.identity_number = number
        person.birth_date = date(1970, 1, 1)
        session.commit()
