"""The scale bench's bulk-loaded cases are the engine's own shape (bench/bulk_load.py).

A bench measuring malformed rows would be worthless, so a tiny load is driven through the
engine: copied cases open, list in the right queues, and their READY tasks complete for the
right users (R5 scope, R6 four-eyes) with the copied cards and certificates (R2, R4).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlalchemy import select

from bench.bulk_load import bulk_load
from bench.bulk_load import loaded_cases
from bench.bulk_setup import BENCH_NOW
from bench.bulk_setup import TEMPLATE_AT
from engine.clock import FixedClock
from engine.model import Case
from engine.model import CaseTask
from engine.model import Certificate
from engine.model import Organisation
from engine.model import Person
from engine.model import Timer
from engine.model.cases import TASK_READY
from engine.services import cases
from engine.services import queries
from engine.services.demo import REGION
from engine.services.demo import UNIT
from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap
from tests.conftest import TEMPLATE_DATABASE
from tests.support.postgres_cluster import PostgresCluster

pytestmark = pytest.mark.postgres

CASES = 300
REGIONS = 3


@pytest.fixture(scope="module")
def load(postgres_cluster: PostgresCluster) -> Iterator[tuple[Runtime, dict[str, int]]]:
    """One tiny load for the module (the demo region plus two generated regions), with its
    row counts taken before any test completes a task."""
    url = postgres_cluster.create_database(
        f"scale_{uuid.uuid4().hex[:12]}", template=TEMPLATE_DATABASE
    )
    runtime = bootstrap(url)
    bulk_load(runtime, CASES, regions=REGIONS)
    yield runtime, _counts(runtime)
    runtime.database.dispose()


@pytest.fixture
def loaded(load: tuple[Runtime, dict[str, int]]) -> Runtime:
    return load[0]


def work_of(runtime: Runtime, clock: FixedClock, username: str) -> set[str]:
    """Every task id `username` may work, walking the keyset pages of `task list`."""
    ids: set[str] = set()
    cursor: str | None = None
    while True:
        page = queries.tasks_for(runtime, clock, username, limit=500, cursor=cursor)
        ids.update(task.id for task in page.items)
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def _counts(runtime: Runtime) -> dict[str, int]:
    statements = {
        "cases": select(func.count()).select_from(Case),
        "open": select(func.count()).where(Case.state == "open"),
        "ready": select(func.count()).where(CaseTask.state == TASK_READY),
        "cases_with_ready": select(func.count(func.distinct(CaseTask.case_id))).where(
            CaseTask.state == TASK_READY
        ),
        "card_users": select(func.count()).where(Person.username.is_(None)),
        "timers": select(func.count()).select_from(Timer),
        "certificates": select(func.count()).select_from(Certificate),
    }
    with runtime.database.sessions() as session:
        return {name: int(session.scalar(query) or 0) for name, query in statements.items()}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(BENCH_NOW)


def _copied(runtime: Runtime, process: str, org_code: str, task: str, started_by: str) -> Case:
    """A bulk-copied (not engine-made) case with a READY `task`, newest first."""
    with runtime.database.sessions() as session:
        found = session.scalars(
            select(Case)
            .join(CaseTask, CaseTask.case_id == Case.id)
            .join(Organisation, Organisation.id == Case.organisation_id)
            .join(Person, Person.id == Case.started_by_id)
            .where(
                Case.process_id == process,
                Organisation.code == org_code,
                Person.username == started_by,
                CaseTask.name == task,
                CaseTask.state == TASK_READY,
                Case.started_at < TEMPLATE_AT,
            )
            .order_by(Case.id.desc())
            .limit(1)
        ).first()
        assert found is not None, f"no copied {process} case in {org_code} by {started_by}"
        return found


def _ready(runtime: Runtime, case_id: int, name: str) -> str:
    shown = queries.show_case(runtime, case_id)
    ready = [t["id"] for t in shown["tasks"] if t["name"] == name and t["state"] == "ready"]
    assert ready, f"no ready {name} in case {case_id}"
    return str(ready[0])


def test_the_load_has_n_open_cases_each_with_one_ready_task_and_people_scaled(
    load: tuple[Runtime, dict[str, int]],
) -> None:
    runtime, counts = load
    assert counts["cases"] == counts["open"] == CASES
    assert counts["ready"] == counts["cases_with_ready"] == CASES
    assert counts["card_users"] == int(CASES * 0.6)  # the demo's card users have user names
    # LoA3 waits with its R7 deadline; a renewal loop has its R15 reminder and R11 expiry.
    assert counts["timers"] > counts["certificates"] > 0
    assert loaded_cases(runtime) == CASES


# Every reference the loader writes, checked because COPY may skip the FK triggers.
_ORPHANS = {
    "case holder": "SELECT count(*) FROM cases c LEFT JOIN people p ON p.id = c.holder_id "
    "WHERE p.id IS NULL",
    "task case": "SELECT count(*) FROM case_tasks t LEFT JOIN cases c ON c.id = t.case_id "
    "WHERE c.id IS NULL",
    "timer task": "SELECT count(*) FROM timers m LEFT JOIN case_tasks t "
    "ON t.id = m.attached_task_id WHERE t.id IS NULL",
    "audit case": "SELECT count(*) FROM audit_events a LEFT JOIN cases c ON c.id = a.case_id "
    "WHERE a.case_id IS NOT NULL AND c.id IS NULL",
    "certificate card": "SELECT count(*) FROM certificates x LEFT JOIN reserve_cards r "
    "ON r.number = x.card_number WHERE r.number IS NULL",
    "card holder": "SELECT count(*) FROM reserve_cards r LEFT JOIN people p "
    "ON p.id = r.holder_id WHERE r.holder_id IS NOT NULL AND p.id IS NULL",
    "employment person": "SELECT count(*) FROM people p LEFT JOIN employments e "
    "ON e.person_id = p.id WHERE e.id IS NULL",
}


_INDEXES = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"


def test_the_load_builds_again_every_index_it_dropped_for_the_copy(
    loaded: Runtime, postgres_cluster: PostgresCluster
) -> None:
    template = bootstrap(postgres_cluster.url(TEMPLATE_DATABASE))
    try:
        with template.database.engine.connect() as conn:
            before = set(conn.exec_driver_sql(_INDEXES).scalars())
    finally:
        template.database.dispose()
    with loaded.database.engine.connect() as conn:
        after = set(conn.exec_driver_sql(_INDEXES).scalars())
    assert "ix_case_tasks_state_lane" in before
    assert after == before


def test_every_copied_row_refers_to_rows_that_exist(loaded: Runtime) -> None:
    with loaded.database.engine.connect() as conn:
        orphans = {name: conn.exec_driver_sql(sql).scalar() for name, sql in _ORPHANS.items()}
    assert orphans == dict.fromkeys(_ORPHANS, 0)


def test_r5_r6_a_copied_loa3_case_opens_and_its_second_verification_issues_for_bertil(
    loaded: Runtime, clock: FixedClock
) -> None:
    case = _copied(loaded, "loa3-reserve", REGION, "second_verification", "anna")
    shown = queries.show_case(loaded, case.id)
    assert shown["state"] == "open" and shown["holder"] == shown["data"]["holder_number"]
    assert [h["action"] for h in shown["history"]][:2] == ["start", "policy_decision"]
    task = _ready(loaded, case.id, "second_verification")
    assert task in work_of(loaded, clock, "bertil")
    assert task not in work_of(loaded, clock, "anna")  # R6
    fields = {"id_document": "passport", "card_number": "RK000001", "valid_until": "2027-05-23"}
    done = cases.complete_task(loaded, clock, task, "bertil", fields)
    assert done.state == "completed"
    assert queries.show_card(loaded, "RK000001")["holder"] == shown["holder"]


def test_r15_a_copied_remote_order_is_issued_by_the_service_desk(
    loaded: Runtime, clock: FixedClock
) -> None:
    case = _copied(loaded, "loa2-remote-order", UNIT, "issue_loa2", "david")
    task = _ready(loaded, case.id, "issue_loa2")
    assert task in work_of(loaded, clock, "sara")
    fields = {"card_number": "RK000002", "valid_until": "2026-12-01"}
    assert cases.complete_task(loaded, clock, task, "sara", fields).state == "open"
    assert _ready(loaded, case.id, "request_renewal")


def test_r11_a_copied_renewal_loop_renews_its_own_copied_card(
    loaded: Runtime, clock: FixedClock
) -> None:
    case = _copied(loaded, "loa2-remote-order", UNIT, "request_renewal", "david")
    card = queries.show_case(loaded, case.id)["data"]["card_number"]
    assert queries.show_card(loaded, card)["state"] == "issued"
    cases.complete_task(loaded, clock, _ready(loaded, case.id, "request_renewal"), "david", {})
    task = _ready(loaded, case.id, "renew_loa2")
    renewed = cases.complete_task(loaded, clock, task, "sara", {"valid_until": "2026-12-05"})
    assert renewed.state == "open"
    kinds = [c["kind"] for c in queries.show_card(loaded, card)["certificates"]]
    assert kinds == ["issue", "renewal"]


def test_r5_a_generated_regions_cases_are_outside_the_demo_admins_scope(
    loaded: Runtime, clock: FixedClock
) -> None:
    case = _copied(loaded, "loa3-reserve", "bench-region-01", "second_verification", "loa3-01")
    task = _ready(loaded, case.id, "second_verification")
    assert task not in work_of(loaded, clock, "bertil")


def test_every_measure_of_the_scale_bench_answers_on_the_load(
    loaded: Runtime, clock: FixedClock
) -> None:
    from bench import scale
    from bench.queue_page import QueuePage

    bertils = queries.tasks_for(loaded, clock, "bertil").items
    assert bertils, "bertil has nothing to work: the load missed his scope"
    for name, call in scale.MEASURES.items():
        if isinstance(call, QueuePage):
            page = QueuePage(call.username)
            try:
                assert f"/tasks/{bertils[0].id}" in page(loaded, clock)
            finally:
                page.close()
            continue
        answer = call(loaded, clock)
        if name == "cases_page_50":
            assert answer.items == ()  # 300 cases fill six pages of 50
        else:
            assert answer, f"{name} answered nothing"
