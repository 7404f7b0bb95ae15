"""The remote LoA2 order (R15) with its 14-day renewal loop, on SQLite and PostgreSQL.

david is the remote reserve-card admin of `hemtjanst-demo` (which accepts LoA2 after
2026-06-30, R14), erik works there, sara is the service desk. Every refusal is checked
by its rule ID; the allowed side of each boundary is checked too.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import AdminRight
from engine.model import Case
from engine.model import Employment
from engine.model import Organisation
from engine.model import Person
from engine.policy.identity import parse_identity_number
from engine.rights import REMOTE_RESERVE_ADMIN
from engine.services import queries
from engine.services.cases import CaseSummary
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows
from tests.support.flows import local

DEMO_FROM = date(2024, 1, 1)
# Born 2011-11-24: 14 on 2026-11-23, 15 the day after (checked with the Luhn digit).
TURNS_15_ON_2026_11_24 = "20111124-2382"


# --- helpers ---------------------------------------------------------------------------


def issued(
    flows: Flows,
    at: str = "2026-11-23 15:01",
    until: str = "2026-12-07",
    admin: str = "david",
    holder: str = "erik",
    card: str = "RK000001",
) -> int:
    """A remote order issued by the service desk; returns the case id."""
    case = flows.at(at).order_loa2(admin, holder=holder)
    flows.complete(case.id, "issue_loa2", "sara", card_number=card, valid_until=until)
    return case.id


def renewed(flows: Flows, case_id: int, at: str, until: str, admin: str = "david") -> CaseSummary:
    flows.at(at).complete(case_id, "request_renewal", admin)
    return flows.complete(case_id, "renew_loa2", "sara", valid_until=until)


def card(flows: Flows, number: str = "RK000001") -> dict[str, Any]:
    return queries.show_card(flows.runtime, number)


def organisation(session: Session, code: str) -> Organisation:
    found = session.scalars(select(Organisation).where(Organisation.code == code)).first()
    if found is None:
        region = session.scalars(select(Organisation).where(Organisation.code == "region-demo"))
        found = Organisation(code=code, name=code, parent=region.one())
        session.add(found)
    return found


def add_person(flows: Flows, username: str, org_code: str, number: str | None = None) -> None:
    """A card user with `number`, or else a remote reserve-card admin, employed in `org_code`."""
    with flows.runtime.database.sessions() as session:
        org = organisation(session, org_code)
        person = Person(username=username, display_name=username, email=f"{username}@x.example")
        if number is None:
            right = AdminRight(right=REMOTE_RESERVE_ADMIN, organisation=org, valid_from=DEMO_FROM)
            person.rights.append(right)
        else:
            identity = parse_identity_number(number, on=DEMO_FROM)
            person.identity_number, person.birth_date = identity.number, identity.birth_date
        session.add(Employment(person=person, organisation=org, start_date=DEMO_FROM))
        session.commit()


def set_accepts_loa2(flows: Flows, accepts: bool) -> None:
    with flows.runtime.database.sessions() as session:
        for code in ("hemtjanst-demo", "region-demo"):
            organisation(session, code).accepts_loa2_after_national_end = accepts
        session.commit()


def outbox_to(flows: Flows, user: str) -> list[dict[str, Any]]:
    address = f"{user}@region-demo.example"
    return [m for m in queries.list_outbox(flows.runtime) if m["to"] == address]


def without_audit(counts: dict[str, int]) -> dict[str, int]:
    return {table: n for table, n in counts.items() if table != "audit_events"}


def plus_days(at: str, days: int) -> str:
    return (local(at).date() + timedelta(days=days)).isoformat()


# --- R12: LoA2 only outside office hours from 2025-12-01 -------------------------------


def reach(flows: Flows, step: str, at: str) -> tuple[int, dict[str, str]]:
    """Bring a case to `step` (issue_loa2 or renew_loa2) at local time `at`."""
    if step == "issue_loa2":
        case = flows.at(at).order_loa2("david", holder="erik")
        return case.id, {"card_number": "RK000001", "valid_until": plus_days(at, 7)}
    # Issued at 08:00 the same local day: outside office hours on every day tested.
    case_id = issued(flows, at=f"{at[:10]} 08:00", until=plus_days(at, 7))
    flows.at(at).complete(case_id, "request_renewal", "david")
    return case_id, {"valid_until": plus_days(at, 10)}


@pytest.mark.parametrize("step", ["issue_loa2", "renew_loa2"])
@pytest.mark.parametrize(
    ("at", "next_allowed"),
    [
        ("2026-11-23 09:00:00", "Monday 2026-11-23 15:01"),
        ("2026-11-23 15:00:59", "Monday 2026-11-23 15:01"),
        ("2025-12-01 10:00:00", "Monday 2025-12-01 15:01"),
    ],
)
def test_r12_loa2_issue_and_renewal_refused_in_office_hours_from_2025_12_01(
    flows: Flows, step: str, at: str, next_allowed: str
) -> None:
    case_id, fields = reach(flows, step, at)
    before = without_audit(flows.row_counts())
    with pytest.raises(NotPermitted, match=r"\(R12\)") as refused:
        flows.complete(case_id, step, "sara", **fields)
    assert refused.value.rule == "R12"
    assert f"Next allowed time: {next_allowed}" in refused.value.message
    assert without_audit(flows.row_counts()) == before
    assert flows.task_id(case_id, step)


@pytest.mark.parametrize("step", ["issue_loa2", "renew_loa2"])
@pytest.mark.parametrize(
    "at",
    [
        "2026-11-23 08:59:59",  # a Monday, one second before office hours
        "2026-11-23 15:01:00",  # the first allowed minute
        "2026-12-24 10:00:00",  # julafton
        "2026-12-31 10:00:00",  # nyårsafton
        "2026-06-19 10:00:00",  # midsommarafton
        "2026-11-28 10:00:00",  # a Saturday
        "2025-11-20 10:00:00",  # a Thursday before R12 took effect
    ],
)
def test_r12_loa2_issue_and_renewal_allowed_outside_office_hours(
    flows: Flows, step: str, at: str
) -> None:
    case_id, fields = reach(flows, step, at)
    flows.complete(case_id, step, "sara", **fields)
    kinds = [c["kind"] for c in card(flows)["certificates"]]
    assert kinds == (["issue"] if step == "issue_loa2" else ["issue", "renewal"])


# --- R11, R13: how long a LoA2 certificate may live -------------------------------------


@pytest.mark.parametrize(
    ("at", "valid_until", "expected"),
    [
        # From 2025-11-16 at most 14 days: a date means up to the same clock time.
        ("2026-11-23 15:01", "2026-12-07", "2026-12-07T15:01:00+01:00"),
        ("2026-11-23 15:01", "2026-12-07T15:01:00+01:00", "2026-12-07T15:01:00+01:00"),
        ("2025-11-16 10:00", "2025-11-30", "2025-11-30T10:00:00+01:00"),
        # Before 2025-11-16 the DMN table allows 6 months.
        ("2024-06-03 20:00", "2024-12-03", "2024-12-03T20:00:00+01:00"),
        ("2025-11-15 10:00", "2025-11-30T12:00:00+01:00", "2025-11-30T12:00:00+01:00"),
    ],
)
def test_r11_loa2_validity_within_the_limit_of_its_issue_date_is_accepted(
    flows: Flows, at: str, valid_until: str, expected: str
) -> None:
    issued(flows, at=at, until=valid_until)
    assert card(flows)["valid_until"] == expected


@pytest.mark.parametrize(
    ("at", "valid_until"),
    [
        ("2026-11-23 15:01", "2026-12-08"),
        ("2026-11-23 15:01", "2026-12-07T15:02:00+01:00"),
        ("2025-11-16 10:00", "2025-11-30T12:00:00+01:00"),
        ("2024-06-03 20:00", "2024-12-04"),
    ],
)
def test_r11_loa2_validity_beyond_the_limit_is_refused(
    flows: Flows, at: str, valid_until: str
) -> None:
    case = flows.at(at).order_loa2("david", holder="erik")
    with pytest.raises(NotPermitted, match=r"\(R11\)") as refused:
        flows.complete(
            case.id, "issue_loa2", "sara", card_number="RK000001", valid_until=valid_until
        )
    assert refused.value.rule == "R11"
    assert card(flows)["certificates"] == []


def test_r13_loa2_issued_before_2025_12_01_is_capped_at_its_midnight(flows: Flows) -> None:
    case = flows.at("2025-11-20 10:00").order_loa2("david", holder="erik")
    for too_long in ("2025-12-01", "2025-12-01T00:00:01+01:00", "2025-12-04"):
        with pytest.raises(NotPermitted, match=r"\(R13\)") as refused:
            flows.complete(
                case.id, "issue_loa2", "sara", card_number="RK000001", valid_until=too_long
            )
        assert refused.value.rule == "R13"
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2025-11-30")
    shown = card(flows)
    assert shown["valid_until"] == "2025-11-30T23:59:59+01:00"
    assert shown["certificates"][0]["ceiling_rule"] == "R13"


# --- R14: LoA2 after 2026-06-30 ---------------------------------------------------------


@pytest.mark.parametrize("way", ["region-level admin", "setting switched off"])
def test_r14_without_the_setting_no_loa2_runs_past_2026_06_30(flows: Flows, way: str) -> None:
    if way == "region-level admin":
        add_person(flows, "rut", "region-demo")
        admin, holder = "rut", "frida"
    else:
        set_accepts_loa2(flows, False)
        admin, holder = "david", "erik"
    case = flows.at("2026-06-25 20:00").order_loa2(admin, holder=holder)
    with pytest.raises(NotPermitted, match=r"\(R14\)") as refused:
        flows.complete(
            case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-07-01"
        )
    assert refused.value.rule == "R14"
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-06-30")
    assert card(flows)["valid_until"] == "2026-06-30T23:59:59+02:00"
    assert card(flows)["valid_for_national_systems"] is True
    flows.at("2026-06-29 20:00").complete(case.id, "request_renewal", admin)
    with pytest.raises(NotPermitted, match=r"\(R14\)") as refused:
        flows.complete(case.id, "renew_loa2", "sara", valid_until="2026-07-03")
    assert refused.value.rule == "R14"
    # After 2026-06-30 nothing can be issued at all.
    later = flows.at("2026-07-01 20:00").order_loa2(admin, holder=holder)
    with pytest.raises(NotPermitted, match=r"\(R14\)"):
        flows.complete(
            later.id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-07-05"
        )


def test_r14_with_the_setting_loa2_past_2026_06_30_is_not_valid_for_national_systems(
    flows: Flows,
) -> None:
    case_id = issued(flows, at="2026-06-25 20:00", until="2026-06-30")
    assert card(flows)["valid_for_national_systems"] is True
    renewed(flows, case_id, at="2026-06-29 20:00", until="2026-07-05")
    shown = card(flows)
    assert shown["valid_until"] == "2026-07-05T23:59:59+02:00"
    assert shown["valid_for_national_systems"] is False
    assert [c["valid_for_national_systems"] for c in shown["certificates"]] == [True, False]
    assert flows.case(case_id)["data"]["valid_for_national_systems"] is False


# --- R15: the renewal loop ---------------------------------------------------------------


def test_r15_renewal_is_offered_to_the_remote_admins_of_the_holders_organisation_only(
    flows: Flows,
) -> None:
    add_person(flows, "greta", "hemtjanst-annan")
    case_id = issued(flows)
    assert flows.task_names("david") == ["request_renewal"]
    assert flows.task_names("greta") == []
    with pytest.raises(NotPermitted, match=r"\(R5\)") as refused:
        flows.complete(case_id, "request_renewal", "sara")
    assert refused.value.rule == "R5"
    # S2: another unit's remote admin does not even learn that the task exists.
    with pytest.raises(NotFound) as hidden:
        flows.complete(case_id, "request_renewal", "greta")
    assert hidden.value.rule == "S2"
    flows.complete(case_id, "request_renewal", "david")
    assert flows.task_names("sara") == ["renew_loa2"]
    with pytest.raises(NotPermitted, match=r"\(R5\)"):
        flows.complete(case_id, "renew_loa2", "david", valid_until="2026-12-07")


def test_r15_after_a_renewal_the_card_user_is_told_to_update_on_siths_mina_sidor(
    flows: Flows,
) -> None:
    case_id = issued(flows)
    to_erik = outbox_to(flows, "erik")
    assert to_erik == []
    renewed(flows, case_id, at="2026-12-04 16:00", until="2026-12-18")
    to_erik = outbox_to(flows, "erik")
    assert len(to_erik) == 1
    assert "SITHS Mina sidor" in to_erik[0]["subject"]
    assert to_erik[0]["case"] == case_id


def test_r15_reminder_goes_to_the_remote_admin_three_days_before_expiry(flows: Flows) -> None:
    add_person(flows, "greta", "hemtjanst-annan")
    case_id = issued(flows)  # valid until 2026-12-07 15:01; LoA2 lead time 3 days (DMN)
    assert fire_due_timers(flows.runtime, flows.at("2026-12-04 15:00:59").clock) == []
    assert queries.list_outbox(flows.runtime) == []
    fired = fire_due_timers(flows.runtime, flows.at("2026-12-04 15:01").clock)
    assert [(f.case, f.timer, f.rule) for f in fired] == [(case_id, "reminder", "R15")]
    messages = queries.list_outbox(flows.runtime)
    assert [m["to"] for m in messages] == ["david@region-demo.example"]
    assert "Påminnelse" in messages[0]["subject"]
    # The reminder does not interrupt: david may still ask for the renewal.
    assert flows.task_names("david") == ["request_renewal"]


def test_r4_r11_three_renewals_keep_the_case_open_without_growing_its_state(
    flows: Flows,
) -> None:
    case_id = issued(flows)
    sizes = []
    for at, until in (
        ("2026-12-04 16:00", "2026-12-18"),
        ("2026-12-16 16:00", "2026-12-30"),
        ("2026-12-28 16:00", "2027-01-11"),
    ):
        assert renewed(flows, case_id, at=at, until=until).state == "open"
        with flows.runtime.database.sessions() as session:
            stored = session.get(Case, case_id)
            assert stored is not None
            sizes.append(len(stored.workflow_state))
    assert max(sizes) - min(sizes) <= 64, sizes
    shown = card(flows)
    assert [(c["kind"], c["loa"]) for c in shown["certificates"]] == [
        ("issue", 2),
        ("renewal", 2),
        ("renewal", 2),
        ("renewal", 2),
    ]
    assert {c["case"] for c in shown["certificates"]} == {case_id}
    assert shown["valid_until"] == "2027-01-11T16:00:00+01:00"
    assert flows.case(case_id)["cycle"] == 4
    assert flows.task_names("david") == ["request_renewal"]


# --- expiry -----------------------------------------------------------------------------


def test_r11_unrenewed_certificate_expires_the_case_when_its_timer_fires(flows: Flows) -> None:
    case_id = issued(flows)
    fire_due_timers(flows.runtime, flows.at("2026-12-07 15:00:59").clock)
    assert flows.case(case_id)["state"] == "open"
    fired = fire_due_timers(flows.runtime, flows.at("2026-12-07 15:01").clock)
    assert [(f.timer, f.rule) for f in fired] == [("expiry", "R11")]
    shown = flows.case(case_id)
    assert shown["state"] == "expired"
    assert [t for t in shown["tasks"] if t["state"] == "ready"] == []
    assert flows.task_names("david") == []
    assert flows.task_names("sara") == []


@pytest.mark.parametrize(
    ("step", "user", "fields"),
    [
        ("request_renewal", "david", {}),
        ("renew_loa2", "sara", {"valid_until": "2026-12-20"}),
    ],
)
def test_r11_renewal_after_valid_until_is_refused_before_any_timer_sweep(
    flows: Flows, step: str, user: str, fields: dict[str, str]
) -> None:
    case_id = issued(flows)
    if step == "renew_loa2":
        flows.at("2026-12-04 16:00").complete(case_id, "request_renewal", "david")
    with pytest.raises(NotPermitted, match=r"\(R11\)") as refused:
        flows.at("2026-12-07 15:01").complete(case_id, step, user, **fields)
    assert refused.value.rule == "R11"
    assert "2026-12-07 15:01" in refused.value.message
    assert flows.case(case_id)["state"] == "open"  # no sweep has run yet
    assert len(card(flows)["certificates"]) == 1


# --- R3, R5 and age ---------------------------------------------------------------------


def test_r3_remote_admin_cannot_order_for_someone_not_employed_in_his_unit(flows: Flows) -> None:
    before = without_audit(flows.row_counts())
    with pytest.raises(NotPermitted, match=r"\(R3\)") as refused:
        flows.at("2026-11-23 15:01").order_loa2("david", holder="frida")
    assert refused.value.rule == "R3"
    assert without_audit(flows.row_counts()) == before


@pytest.mark.parametrize("user", ["sara", "cecilia", "anna"])
def test_r5_only_a_remote_admin_may_start_a_remote_order(flows: Flows, user: str) -> None:
    with pytest.raises(NotPermitted, match=r"\(R5\)") as refused:
        flows.at("2026-11-23 15:01").order_loa2(user, holder="erik")
    assert refused.value.rule == "R5"


@pytest.mark.parametrize("user", ["cecilia", "anna", "david"])
def test_r5_only_the_service_desk_issues_a_remote_order(flows: Flows, user: str) -> None:
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    with pytest.raises(NotPermitted, match=r"\(R5\)") as refused:
        flows.complete(
            case.id, "issue_loa2", user, card_number="RK000001", valid_until="2026-12-07"
        )
    assert refused.value.rule == "R5"
    assert card(flows)["state"] == "in_stock"


def test_identity_loa2_is_refused_before_the_holders_15th_birthday(flows: Flows) -> None:
    add_person(flows, "kim", "hemtjanst-demo", TURNS_15_ON_2026_11_24)
    with pytest.raises(NotPermitted, match="at least 15") as refused:
        flows.at("2026-11-23 15:01").order_loa2("david", holder="kim")
    assert refused.value.rule == "C-IDENTITY"
    assert flows.at("2026-11-24 15:01").order_loa2("david", holder="kim").state == "open"


def test_identity_hanna_at_16_may_get_loa2(flows: Flows) -> None:
    add_person(flows, "rut", "region-demo")
    # Before 2026-06-30: Region Demo does not accept LoA2 after it (R14).
    issued(flows, at="2026-06-10 20:00", until="2026-06-20", admin="rut", holder="hanna")
    assert card(flows)["holder"] == "hanna"
    assert card(flows)["loa"] == 2
