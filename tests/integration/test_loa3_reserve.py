"""The LoA3 reserve-card flow and its rules (R1-R10, Conventions), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.forms import FormInvalid
from engine.model import AdminRight
from engine.model import AuditEvent
from engine.model import CaseTask
from engine.model import Person
from engine.model import Timer
from engine.policy.identity import R10_DISPENSATION
from engine.services.cases import CaseSummary
from engine.services.cases import complete_task
from engine.services.queries import show_card
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows
from tests.support.flows import local

START = "2026-11-23 10:00"
SECOND = "2026-11-25 10:00"


def _second(flows: Flows, case_id: int, user: str = "bertil", **fields: Any) -> CaseSummary:
    fields.setdefault("id_document", "passport")
    fields.setdefault("card_number", "RK000001")
    fields.setdefault("valid_until", "2027-05-23")
    return flows.complete(case_id, "second_verification", user, **fields)


def _change(flows: Flows, edit: Callable[[Session], None]) -> None:
    with flows.runtime.database.sessions() as session:
        edit(session)
        session.commit()


def _person(session: Session, username: str) -> Person:
    return session.scalars(select(Person).where(Person.username == username)).one()


def _end_employment(flows: Flows, username: str, on: date) -> None:
    def edit(session: Session) -> None:
        for employment in _person(session, username).employments:
            employment.end_date = on

    _change(flows, edit)


def _audit_since(flows: Flows, last_id: int) -> list[AuditEvent]:
    with flows.runtime.database.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
        return list(session.scalars(query))


def _last_audit_id(flows: Flows) -> int:
    events = _audit_since(flows, 0)
    return events[-1].id if events else 0


# --- R5: only trained and approved LoA3 administrators ------------------------------


def test_r5_loa2_only_admin_cannot_start_nor_complete_nor_see_a_loa3_case(flows: Flows) -> None:
    with pytest.raises(NotPermitted, match="cecilia") as refused_start:
        flows.at(START).start_loa3("cecilia", holder="frida")
    assert refused_start.value.rule == "R5"
    case = flows.start_loa3("anna", holder="frida")
    flows.at(SECOND)
    assert "second_verification" not in flows.task_names("cecilia")
    with pytest.raises(NotPermitted, match="R5") as refused:
        _second(flows, case.id, "cecilia")
    assert refused.value.rule == "R5"
    assert flows.case(case.id)["state"] == "open"


@pytest.mark.parametrize(
    ("trained_on", "approved_on"),
    [
        (None, date(2024, 1, 1)),
        (date(2024, 1, 1), None),
        (date(2026, 12, 1), date(2024, 1, 1)),  # trained only after the verification day
    ],
)
def test_r5_loa3_right_without_training_or_approval_is_not_enough(
    flows: Flows, trained_on: date | None, approved_on: date | None
) -> None:
    case = flows.at(START).start_loa3("anna", holder="frida")

    def untrain_bertil(session: Session) -> None:
        right = session.scalars(
            select(AdminRight).where(AdminRight.person == _person(session, "bertil"))
        ).one()
        right.trained_on, right.approved_on = trained_on, approved_on

    _change(flows, untrain_bertil)
    flows.at(SECOND)
    assert "second_verification" not in flows.task_names("bertil")
    with pytest.raises(NotPermitted, match="bertil") as refused:
        _second(flows, case.id, "bertil")
    assert refused.value.rule == "R5"
    with pytest.raises(NotPermitted) as refused_start:
        flows.start_loa3("bertil", holder="frida")
    assert refused_start.value.rule == "R5"


# --- R6: two different administrators, neither of them the holder ------------------


def test_r6_first_admin_cannot_complete_or_see_her_own_cases_second_verification(
    flows: Flows,
) -> None:
    case = flows.at(START).start_loa3("anna", holder="frida")
    flows.at(SECOND)
    assert "second_verification" not in flows.task_names("anna")
    with pytest.raises(NotPermitted, match="annan ID-administratör") as refused:
        _second(flows, case.id, "anna")
    assert refused.value.rule == "R6"
    assert _second(flows, case.id, "bertil").state == "completed"


def test_r6_holder_cannot_be_the_verifying_admin(flows: Flows) -> None:
    def give_bertil_a_number(session: Session) -> None:
        bertil = _person(session, "bertil")
        bertil.identity_number, bertil.birth_date = "19800101-0019", date(1980, 1, 1)

    _change(flows, give_bertil_a_number)
    flows.at(START)
    with pytest.raises(NotPermitted, match="egen identitet") as own_start:
        flows.start_loa3("bertil", holder="bertil")
    assert own_start.value.rule == "R6"
    case = flows.start_loa3("anna", holder="19800101-0019")
    flows.at(SECOND)
    with pytest.raises(NotPermitted, match="own identity") as own_second:
        _second(flows, case.id, "bertil")
    assert own_second.value.rule == "R6"


# --- R7: second verification within 5 local days ------------------------------------

DEADLINES = [
    pytest.param("2026-11-23 10:00", "2026-11-28 10:00", 120, id="winter"),
    pytest.param("2026-03-26 10:00", "2026-03-31 10:00", 119, id="spring-dst"),
    pytest.param("2026-10-22 10:00", "2026-10-27 10:00", 121, id="autumn-dst"),
]


@pytest.mark.parametrize(("first", "deadline", "hours"), DEADLINES)
def test_r7_deadline_is_first_verification_plus_five_local_days(
    flows: Flows, first: str, deadline: str, hours: int
) -> None:
    case = flows.at(first).start_loa3("anna", holder="frida")
    with flows.runtime.database.sessions() as session:
        timer = session.scalars(select(Timer).where(Timer.case_id == case.id)).one()
        task = session.scalars(select(CaseTask).where(CaseTask.case_id == case.id)).one()
    assert (timer.name, timer.rule, timer.status) == ("deadline", "R7", "waiting")
    assert timer.due_at == local(deadline).astimezone(UTC)
    assert timer.due_at - local(first) == timedelta(hours=hours)
    assert task.due_at == timer.due_at
    # The audit tells the deadline the version's timer set, not a second computation.
    told = [h["message"] for h in flows.case(case.id)["history"] if h["rule"] == "R7"]
    assert told == [f"Andra verifieringen senast {deadline} / Second verification by {deadline}"]


@pytest.mark.parametrize(("first", "deadline", "hours"), DEADLINES)
def test_r7_second_admin_at_deadline_is_refused_without_a_sweep_but_one_second_before_completes(
    flows: Flows, first: str, deadline: str, hours: int
) -> None:
    case = flows.at(first).start_loa3("anna", holder="frida")
    valid_until = (local(deadline) + timedelta(days=30)).date().isoformat()
    flows.at(deadline)
    assert "second_verification" not in flows.task_names("bertil")
    with pytest.raises(NotPermitted, match="5 dagar") as refused:
        _second(flows, case.id, valid_until=valid_until)
    assert refused.value.rule == "R7"
    assert flows.case(case.id)["state"] == "open"  # no sweep ran; the rule alone refused
    flows.clock.set(local(deadline) - timedelta(seconds=1))
    assert "second_verification" in flows.task_names("bertil")
    assert _second(flows, case.id, valid_until=valid_until).state == "completed"


def test_r7_timer_sweep_at_deadline_lapses_case_and_cancels_task_exactly_once(
    flows: Flows,
) -> None:
    case = flows.at(START).start_loa3("anna", holder="frida")
    task = flows.task_id(case.id, "second_verification")
    flows.clock.set(local("2026-11-28 10:00") - timedelta(seconds=1))
    assert fire_due_timers(flows.runtime, flows.clock) == []
    assert flows.case(case.id)["state"] == "open"
    flows.at("2026-11-28 10:00")
    fired = fire_due_timers(flows.runtime, flows.clock)
    assert [(f.case, f.timer, f.rule) for f in fired] == [(case.id, "deadline", "R7")]
    shown = flows.case(case.id)
    assert shown["state"] == "lapsed"
    assert [(t["name"], t["state"]) for t in shown["tasks"]] == [
        ("second_verification", "cancelled")
    ]
    assert [t["status"] for t in shown["timers"]] == ["fired"]
    assert fire_due_timers(flows.runtime, flows.clock) == []
    assert fire_due_timers(flows.runtime, flows.at("2026-12-28 10:00").clock) == []
    assert [h["action"] for h in shown["history"]].count("timer_fired") == 1
    fields = {"id_document": "passport", "card_number": "RK000001", "valid_until": "2027-01-15"}
    with pytest.raises(Conflict, match="lapsed|cancelled"):
        complete_task(flows.runtime, flows.clock, task, "bertil", fields)


# --- R9: LoA3 at most 6 calendar months, clamped ------------------------------------


@pytest.mark.parametrize(
    ("asked", "issued_until"),
    [
        ("2027-02-28", "2027-02-28T10:00:00+01:00"),  # the day is cut at the ceiling
        ("2027-02-28T10:00:00+01:00", "2027-02-28T10:00:00+01:00"),
        ("2027-02-27", "2027-02-27T23:59:59+01:00"),
    ],
)
def test_r9_loa3_validity_up_to_six_clamped_months_is_issued(
    flows: Flows, asked: str, issued_until: str
) -> None:
    case = flows.at("2026-08-28 10:00").start_loa3("anna", holder="frida")
    flows.at("2026-08-31 10:00")
    assert _second(flows, case.id, valid_until=asked).state == "completed"
    assert show_card(flows.runtime, "RK000001")["valid_until"] == issued_until


@pytest.mark.parametrize("asked", ["2027-03-01", "2027-02-28T10:00:01+01:00", "2027-08-31"])
def test_r9_loa3_validity_beyond_six_clamped_months_is_refused(flows: Flows, asked: str) -> None:
    case = flows.at("2026-08-28 10:00").start_loa3("anna", holder="frida")
    flows.at("2026-08-31 10:00")
    with pytest.raises(NotPermitted, match="6 m") as refused:
        _second(flows, case.id, valid_until=asked)
    assert refused.value.rule == "R9"
    assert show_card(flows.runtime, "RK000001")["state"] == "in_stock"


# --- R10: no personnummer -> passport_scan from 2026-03-30 --------------------------


@pytest.mark.parametrize("at", ["2026-03-30 00:00", "2026-11-23 10:00"])
def test_r10_samordningsnummer_from_2026_03_30_needs_passport_scan_at_start(
    flows: Flows, at: str
) -> None:
    flows.at(at)
    with pytest.raises(NotPermitted, match="biometriskt pass") as refused:
        flows.start_loa3("anna", holder="19700163-2392", id_document="passport")
    assert refused.value.rule == "R10"
    case = flows.start_loa3("anna", holder="ivan", id_document="passport_scan")
    assert case.state == "open"


def test_r10_samordningsnummer_second_verification_also_needs_passport_scan(
    flows: Flows,
) -> None:
    case = flows.at(START).start_loa3("anna", holder="ivan", id_document="passport_scan")
    flows.at(SECOND)
    with pytest.raises(NotPermitted) as refused:
        _second(flows, case.id, id_document="national_id_card")
    assert refused.value.rule == "R10"
    assert _second(flows, case.id, id_document="passport_scan").state == "completed"


@pytest.mark.parametrize(("holder", "dispensation"), [("ivan", R10_DISPENSATION), ("frida", None)])
def test_r10_before_2026_03_30_dispensation_allows_and_is_audited(
    flows: Flows, holder: str, dispensation: str | None
) -> None:
    flows.at("2026-03-29 23:59")
    case = flows.start_loa3("anna", holder=holder, id_document="passport")
    events = [e for e in _audit_since(flows, 0) if e.case_id == case.id]
    assert events[0].action == "start"
    assert events[0].dispensation == dispensation  # a personnummer relies on no dispensation
    assert ("R10" in {e.rule for e in events}) == (dispensation is not None)


# --- R3: in the directory, employed, validity within the employment ------------------


def test_r3_holder_not_in_directory_is_refused_by_number(flows: Flows) -> None:
    with pytest.raises(NotPermitted, match="19920229-4568") as refused:
        flows.at(START).start_loa3("anna", holder="19920229-4568")
    assert refused.value.rule == "R3"


def test_r3_holder_whose_employment_ended_is_refused(flows: Flows) -> None:
    _end_employment(flows, "frida", date(2026, 11, 20))
    with pytest.raises(NotPermitted, match="anställning") as refused:
        flows.at(START).start_loa3("anna", holder="frida")
    assert refused.value.rule == "R3"


def test_r3_employment_ending_between_the_verifications_refuses_issuance(flows: Flows) -> None:
    case = flows.at(START).start_loa3("anna", holder="frida")
    _end_employment(flows, "frida", date(2026, 11, 24))
    with pytest.raises(NotPermitted, match="anställning") as refused:
        _second(flows.at(SECOND), case.id)
    assert refused.value.rule == "R3"
    assert show_card(flows.runtime, "RK000001")["state"] == "in_stock"


def test_r3_validity_cannot_outlast_the_employment(flows: Flows) -> None:
    _end_employment(flows, "frida", date(2027, 1, 15))
    case = flows.at(START).start_loa3("anna", holder="frida")
    flows.at(SECOND)
    with pytest.raises(NotPermitted, match="2027-01-15") as refused:
        _second(flows, case.id, valid_until="2027-01-16")
    assert refused.value.rule == "R3"
    assert _second(flows, case.id, valid_until="2027-01-15").state == "completed"
    assert show_card(flows.runtime, "RK000001")["valid_until"] == "2027-01-15T23:59:59+01:00"


# --- Identity convention --------------------------------------------------------------


def test_identity_sixteen_year_old_is_refused_loa3(flows: Flows) -> None:
    with pytest.raises(NotPermitted, match="minst 18") as refused:
        flows.at(START).start_loa3("anna", holder="hanna")
    assert refused.value.rule == "C-IDENTITY"


def test_identity_bad_luhn_digit_is_invalid_without_rule(flows: Flows) -> None:
    with pytest.raises(Invalid, match="19850315-1239") as refused:
        flows.at(START).start_loa3("anna", holder="19850315-1239")
    assert refused.value.rule is None
    assert not isinstance(refused.value, FormInvalid)


# --- R2, R4, R1: cards from stock -----------------------------------------------------


def _issue_loa3(flows: Flows, holder: str, card: str) -> CaseSummary:
    case = flows.at(START).start_loa3("anna", holder=holder)
    return _second(flows.at(SECOND), case.id, card_number=card)


def _issue_loa2_to_erik(flows: Flows, card: str) -> CaseSummary:
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    return flows.complete(case.id, "issue_loa2", "sara", card_number=card, valid_until="2026-12-07")


def test_r2_card_issued_to_frida_cannot_be_issued_to_erik(flows: Flows) -> None:
    _issue_loa3(flows, "frida", "RK000001")
    case = flows.at("2026-11-26 10:00").start_loa3("anna", holder="erik")
    with pytest.raises(NotPermitted, match="en gång") as refused:
        _second(flows.at("2026-11-27 10:00"), case.id, card_number="RK000001")
    assert refused.value.rule == "R2"
    assert show_card(flows.runtime, "RK000001")["holder"] == "frida"


def test_r4_card_issued_at_loa2_cannot_be_used_for_a_loa3_case(flows: Flows) -> None:
    _issue_loa2_to_erik(flows, "RK000002")
    case = flows.at("2026-11-24 10:00").start_loa3("anna", holder="erik")
    with pytest.raises(NotPermitted, match="uppgraderas") as refused:
        _second(flows.at(SECOND), case.id, card_number="RK000002")
    assert refused.value.rule == "R4"
    assert show_card(flows.runtime, "RK000002")["loa"] == 2


def test_unknown_card_number_is_not_found(flows: Flows) -> None:
    case = flows.at(START).start_loa3("anna", holder="frida")
    with pytest.raises(NotFound, match="RK999999"):
        _second(flows.at(SECOND), case.id, card_number="RK999999")
    with pytest.raises(NotFound):
        show_card(flows.runtime, "RK999999")


def test_r1_card_loa_comes_from_the_process_that_issued_it(flows: Flows) -> None:
    assert show_card(flows.runtime, "RK000001")["loa"] is None
    _issue_loa2_to_erik(flows, "RK000002")
    _issue_loa3(flows, "frida", "RK000001")
    loa3, loa2 = show_card(flows.runtime, "RK000001"), show_card(flows.runtime, "RK000002")
    assert (loa3["loa"], loa3["holder"], loa3["state"]) == (3, "frida", "issued")
    assert [c["loa"] for c in loa3["certificates"]] == [3]
    assert loa3["certificates"][0]["first_admin"] == "anna"
    assert loa3["certificates"][0]["issued_by"] == "bertil"
    assert (loa2["loa"], loa2["holder"]) == (2, "erik")
    assert [c["loa"] for c in loa2["certificates"]] == [2]


# --- Refusals change nothing but the audit trail --------------------------------------


@pytest.mark.parametrize(
    ("user", "at", "fields", "rule"),
    [
        ("cecilia", SECOND, {}, "R5"),
        ("anna", SECOND, {}, "R6"),
        ("bertil", "2026-11-28 10:00", {}, "R7"),
        ("bertil", SECOND, {"valid_until": "2027-06-30"}, "R9"),
        ("bertil", SECOND, {"card_number": "RK999999"}, None),
        ("bertil", SECOND, {"card_number": "12"}, None),
    ],
)
def test_refused_completion_changes_nothing_but_one_audit_row(
    flows: Flows, user: str, at: str, fields: dict[str, str], rule: str | None
) -> None:
    case = flows.at(START).start_loa3("anna", holder="frida")
    flows.at(at)
    before, last, counts = flows.rows_but_audit(), _last_audit_id(flows), flows.row_counts()
    with pytest.raises((NotPermitted, NotFound, Invalid)) as refused:
        _second(flows, case.id, user, **fields)
    assert refused.value.rule == rule
    assert flows.rows_but_audit() == before
    assert flows.row_counts()["audit_events"] == counts["audit_events"] + 1
    [event] = _audit_since(flows, last)
    assert (event.action, event.rule, event.actor) == ("refused:complete", rule, user)
    assert (event.case_id, event.task_name) == (case.id, "second_verification")


def test_refused_start_changes_nothing_but_one_audit_row(flows: Flows) -> None:
    flows.at(START)
    before, last = flows.rows_but_audit(), _last_audit_id(flows)
    with pytest.raises(NotPermitted):
        flows.start_loa3("anna", holder="gustav")
    assert flows.rows_but_audit() == before
    [event] = _audit_since(flows, last)
    assert (event.action, event.rule, event.case_id) == ("refused:start", "R3", None)


# --- Forms are checked before anything runs -------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"card_number": ""}, "card_number"),
        ({"card_number": "RK12"}, "card_number"),
        ({"card_number": "rk00001"}, "card_number"),  # lower case is read as upper (issue 11)
        ({"valid_until": "2027-05-23T10:00"}, "valid_until"),  # naive: ambiguous at DST
        ({"id_document": "selfie"}, "id_document"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_form_errors_are_refused_before_the_action_runs(
    flows: Flows, fields: dict[str, str], field: str
) -> None:
    case = flows.at(START).start_loa3("anna", holder="frida")
    flows.at(SECOND)
    before = flows.rows_but_audit()
    with pytest.raises(FormInvalid) as refused:
        _second(flows, case.id, **fields)
    assert list(refused.value.field_errors) == [field]
    assert refused.value.rule is None
    assert flows.rows_but_audit() == before


def test_form_missing_start_fields_are_all_named(flows: Flows) -> None:
    with pytest.raises(FormInvalid, match="Kortanvändare") as refused:
        flows.at(START).start("loa3-reserve", "anna")
    assert set(refused.value.field_errors) == {"holder", "id_document"}
