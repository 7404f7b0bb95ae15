"""Who a process's e-mail goes to, read without loading every user of the region."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event
from sqlalchemy import select

from engine.model import Case
from engine.model import Employment
from engine.model import Organisation
from engine.model import Person
from engine.services.mail import queue_email
from tests.support.flows import Flows
from tests.support.statements import counting_statements

REMINDER = {"template": "renewal_reminder", "to": "remote_admins_of_holder_organisation"}


def _reminder_recipients(flows: Flows, case_id: int) -> tuple[list[str], int, int]:
    """The addresses the R15 reminder of the case would go to, the statements it took and
    how many people it loaded."""
    with flows.runtime.database.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        with counting_statements(flows.runtime) as statements, _people_loaded() as people:
            messages = queue_email(session, flows.clock, case, REMINDER, {})
        addresses = sorted(m.to_address for m in messages)
        session.rollback()
    return addresses, len(statements), len(people)


@contextmanager
def _people_loaded() -> Iterator[list[Person]]:
    """Every Person row the ORM builds while inside."""
    seen: list[Person] = []

    def note(person: Person, _context: object) -> None:
        seen.append(person)

    event.listen(Person, "load", note)
    try:
        yield seen
    finally:
        event.remove(Person, "load", note)


def _sign_up_card_users(flows: Flows, count: int) -> None:
    """Employed people who sign in (card users, attesters) and hold no right."""
    with flows.runtime.database.sessions() as session:
        unit = session.scalars(
            select(Organisation).where(Organisation.code == "hemtjanst-demo")
        ).one()
        for n in range(count):
            person = Person(username=f"user{n}", display_name=f"User {n}")
            session.add(person)
            session.add(Employment(person=person, organisation=unit, start_date=date(2024, 1, 1)))
        session.commit()


def test_r15_the_reminder_goes_to_the_remote_admins_of_the_holders_unit_only(
    flows: Flows,
) -> None:
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    addresses, _, _ = _reminder_recipients(flows, case.id)
    assert len(addresses) == 1 and addresses[0].startswith("david")


def test_r15_recipients_cost_the_same_however_many_users_sign_in(flows: Flows) -> None:
    """Card users and attesters sign in too (R20): the recipients are found among the people
    holding a right that can grant the role, not by reading every user."""
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    before, statements_before, loaded_before = _reminder_recipients(flows, case.id)
    _sign_up_card_users(flows, 40)
    after, statements_after, loaded_after = _reminder_recipients(flows, case.id)
    assert after == before
    assert (statements_after, loaded_after) == (statements_before, loaded_before)
