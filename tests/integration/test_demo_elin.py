"""The demo user elin (CONTRACT.md): an ID administrator at halmstad with full rights (R5)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine.model import Person
from engine.rights import roles_of
from engine.services.demo import load_demo
from tests.support.flows import Flows


def test_r5_elin_holds_full_rights_trained_and_approved_from_2024_01_01(flows: Flows) -> None:
    with flows.runtime.database.sessions() as session:
        elin = session.scalars(select(Person).where(Person.username == "elin")).one()
        assert {"loa2_admin", "loa3_admin"} <= set(roles_of(elin, date(2024, 1, 1)))
        assert [r.station.code for r in elin.rights if r.station] == ["halmstad"]
        assert not roles_of(elin, date(2023, 12, 31))


def test_demo_load_adds_elin_to_a_demo_database_loaded_before_her(flows: Flows) -> None:
    assert load_demo(flows.runtime, flows.clock) is False  # idempotent: nothing to add
    with flows.runtime.database.sessions() as session:
        elin = session.scalars(select(Person).where(Person.username == "elin")).one()
        elin.username = "elin-before"  # as if the demo had been loaded without her
        session.commit()
    assert load_demo(flows.runtime, flows.clock) is True
    assert load_demo(flows.runtime, flows.clock) is False
    with flows.runtime.database.sessions() as session:
        assert session.scalars(select(Person).where(Person.username == "elin")).one()
