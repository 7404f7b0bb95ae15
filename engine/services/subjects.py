"""One open case per subject: what a process may have only one open case about at a time.

`loa3-renewal` renews one card's certificate (R9, R4): two open renewals of the same card
would have the service desk renew it twice. `employment-end` ends one employment (R19):
the directory import and the service desk must not both schedule its revocation. The case
row carries its `subject` ("card:RK000020", "employment:42"), and a partial unique index
over open cases (migration 0016) lets the database refuse a second one even when two
starts race; the start actions check first, so the usual refusal names the open case.

On PostgreSQL the renewal's start also locks the card row (`lock_card`), so a second
start of the same card waits for the first to commit and then meets the clear refusal;
on SQLite, whose writers take turns, the loser of a race meets the index and
`refusal_for` words the same refusal without the case number.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict
from engine.model import Case
from engine.model import ReserveCard
from engine.model.cases import CASE_OPEN

LOA3_RENEWAL = "loa3-renewal"
EMPLOYMENT_END = "employment-end"
_CARD = "card:"
_EMPLOYMENT = "employment:"


def card_subject(number: str) -> str:
    return f"{_CARD}{number}"


def employment_subject(employment_id: int) -> str:
    return f"{_EMPLOYMENT}{employment_id}"


def open_case_about(session: Session, process_id: str, subject: str) -> Case | None:
    """The open case of `process_id` about `subject`, if there is one."""
    return session.scalars(
        select(Case).where(
            Case.process_id == process_id, Case.subject == subject, Case.state == CASE_OPEN
        )
    ).first()


def lock_card(session: Session, number: str) -> None:
    """Hold the card's row until commit (PostgreSQL; SQLite's writers take turns anyway)."""
    session.execute(
        select(ReserveCard.number).where(ReserveCard.number == number).with_for_update()
    )


def refuse_second_renewal(session: Session, number: str) -> None:
    """R9, R4: one renewal of a card at a time; the open one is named."""
    case = open_case_about(session, LOA3_RENEWAL, card_subject(number))
    if case is not None:
        raise _renewal_refusal(number, case.id)


def refuse_second_employment_end(session: Session, employment_id: int, what: str) -> None:
    """R19: one open end of an employment; the open one is named (`what`: whose, where)."""
    case = open_case_about(session, EMPLOYMENT_END, employment_subject(employment_id))
    if case is not None:
        raise _employment_refusal(what, case.id)


def refusal_for(process_id: str, subject: str) -> Conflict | None:
    """The refusal for a start that lost a race to the unique index (no case number)."""
    if process_id == LOA3_RENEWAL and subject.startswith(_CARD):
        return _renewal_refusal(subject.removeprefix(_CARD), None)
    if process_id == EMPLOYMENT_END and subject.startswith(_EMPLOYMENT):
        return _employment_refusal("", None)
    return None


def _renewal_refusal(number: str, case_id: int | None) -> Conflict:
    sv = f" (ärende {case_id})" if case_id is not None else ""
    en = f" (case {case_id})" if case_id is not None else ""
    return Conflict(
        f"Kortet {number} har redan en öppen förnyelse{sv}; ett kort förnyas en gång i taget "
        f"(R9, R4). Inget ändrades. / Card {number} already has an open renewal{en}; a card "
        f"is renewed once at a time (R9, R4). Nothing changed.",
        rule="R9",
    )


def _employment_refusal(what: str, case_id: int | None) -> Conflict:
    sv = f" (ärende {case_id})" if case_id is not None else ""
    en = f" (case {case_id})" if case_id is not None else ""
    whose = f" {what}" if what else ""
    return Conflict(
        f"Anställningen{whose} har redan ett öppet ärende om att den upphör{sv}; arbeta i "
        f"det (R19). Inget ändrades. / The employment{whose} already has an open "
        f"employment-end case{en}; work in that one (R19). Nothing changed.",
        rule="R19",
    )
