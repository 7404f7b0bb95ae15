"""R9, R4: one renewal of a card at a time, on SQLite and PostgreSQL.

frida's LoA3 card RK000020 is issued on Monday 2026-11-23; a renewal asked for on
Saturday 2026-11-28 waits for the service desk's Monday opening. A second one asked for
meanwhile is refused and changes nothing, also when two are asked for at the same moment
(the database's partial unique index over open cases decides; PostgreSQL also locks the
card row so the loser reads the winner's case).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from engine.clock import FixedClock
from engine.errors import Conflict
from engine.model import AuditEvent
from engine.model import Case
from engine.schema import migrating
from engine.schema import upgrade_schema
from engine.services import station_actions
from engine.services.cases import CaseSummary
from engine.services.cases import start_case
from tests.integration.test_loa3_renewal import loa3_card
from tests.integration.test_loa3_renewal import renewal
from tests.support.flows import Flows
from tests.support.flows import local

SATURDAY = "2026-11-28 11:00"
BARRIER_TIMEOUT_S = 20


def _renewals(flows: Flows) -> list[tuple[str | None, str]]:
    with flows.runtime.database.sessions() as session:
        rows = session.scalars(
            select(Case).where(Case.process_id == "loa3-renewal").order_by(Case.id)
        ).all()
        return [(case.subject, case.state) for case in rows]


def test_r9_a_second_open_renewal_of_the_same_card_is_refused_and_changes_nothing(
    flows: Flows,
) -> None:
    loa3_card(flows)
    first = renewal(flows, SATURDAY)
    before = flows.rows_but_audit()
    with pytest.raises(Conflict, match=f"already has an open renewal \\(case {first.id}\\)") as no:
        renewal(flows, "2026-11-28 12:00", user="sara")
    assert no.value.rule == "R9"
    assert "redan en öppen förnyelse" in no.value.message
    assert flows.rows_but_audit() == before
    with flows.runtime.database.sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last is not None and (last.action, last.rule) == ("refused:start", "R9")


def test_r9_once_the_renewal_is_done_the_card_may_be_renewed_again(flows: Flows) -> None:
    loa3_card(flows)
    first = renewal(flows, "2026-11-30 10:00")
    flows.complete(first.id, "renew_loa3", "sara", valid_until="2027-05-30")
    again = renewal(flows, "2026-12-01 10:00")
    assert again.state == "open"
    assert _renewals(flows) == [("card:RK000020", "completed"), ("card:RK000020", "open")]


def test_r9_the_database_refuses_a_second_open_renewal_when_the_check_is_skipped(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    loa3_card(flows)
    renewal(flows, SATURDAY)
    before = flows.rows_but_audit()
    monkeypatch.setattr(station_actions, "refuse_second_renewal", lambda *_: None)
    with pytest.raises(Conflict, match="already has an open renewal;") as no:
        renewal(flows, "2026-11-28 12:00")
    assert no.value.rule == "R9"
    assert flows.rows_but_audit() == before


def test_r9_two_renewals_of_one_card_asked_for_at_once_start_exactly_one_case(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    loa3_card(flows)
    barrier = threading.Barrier(2, timeout=BARRIER_TIMEOUT_S)
    original = station_actions.lock_card

    def meet_then_lock(session: object, number: str) -> None:
        barrier.wait()  # both starts are inside their transactions before either locks
        original(session, number)  # type: ignore[arg-type]

    monkeypatch.setattr(station_actions, "lock_card", meet_then_lock)

    def start(user: str) -> CaseSummary | Conflict:
        clock = FixedClock(local(SATURDAY))
        try:
            return start_case(
                flows.runtime, clock, "loa3-renewal", user, {"card_number": "RK000020"}
            )
        except Conflict as error:
            return error

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(start, ["anna", "sara"]))
    won = [o for o in outcomes if isinstance(o, CaseSummary)]
    lost = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].rule == "R9" and "already has an open renewal" in lost[0].message
    assert _renewals(flows) == [("card:RK000020", "open")]


def test_r9_migration_0016_gives_open_renewals_their_card_and_keeps_a_duplicate_running(
    flows: Flows,
) -> None:
    loa3_card(flows)
    first = renewal(flows, SATURDAY)
    database = flows.runtime.database
    with migrating(database) as config:
        command.downgrade(config, "0015_revoke")
    with database.engine.begin() as connection:  # a duplicate from before the rule
        connection.execute(
            sa.text(
                "INSERT INTO cases (process_version_id, process_id, state, holder_id, "
                "organisation_id, started_at, started_by_id, data_json, workflow_state, "
                "serializer_version, cycle, version_id) SELECT process_version_id, process_id, "
                "state, holder_id, organisation_id, started_at, started_by_id, data_json, "
                "workflow_state, serializer_version, cycle, 1 FROM cases WHERE id = :id"
            ),
            {"id": first.id},
        )
    upgrade_schema(database)
    subjects = [subject for subject, state in _renewals(flows) if state == "open"]
    assert subjects == ["card:RK000020", None]
    with pytest.raises(Conflict) as no:
        renewal(flows, "2026-11-28 12:00")
    assert no.value.rule == "R9"
