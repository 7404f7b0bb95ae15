"""The lists cost what they return: a fixed number of statements per page whatever the
number of cases, and keyset pages that show every task and case exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from engine.clock import FixedClock
from engine.errors import Invalid
from engine.services import lookup
from engine.services.queries import list_cases
from engine.services.queries import tasks_for
from engine.services.runtime import Runtime
from engine.services.worklist import MINE
from engine.services.worklist import QueueFilter
from engine.services.worklist import worklist
from tests.support.statements import counting_statements
from tests.support.task_rows import TaskRows


def _add_cases(runtime: Runtime, clock: FixedClock, count: int, *, same_time: bool = False) -> None:
    """`count` LoA3 and `count` service-desk cases, each with one ready task; every third
    claimed, every fifth with a deadline. `same_time`: all tasks created at one instant."""
    now = clock.now()
    with runtime.database.sessions() as session:
        rows = TaskRows(session, now)
        region = rows.organisation("region-demo")
        anna, sara, david = rows.person("anna"), rows.person("sara"), rows.person("david")
        erik = rows.person("erik")
        at = now - timedelta(hours=1) if same_time else None
        for n in range(count):
            due = now + timedelta(days=n % 7 + 1) if n % 5 == 0 else None
            rows.task(
                f"loa3-{n}",
                "loa3_admin",
                region,
                started_by=anna,
                excluded=anna,
                holder=erik,
                due_at=due,
                created_at=at,
            )
            rows.task(
                f"desk-{n}",
                "service_desk",
                region,
                started_by=david,
                holder=erik,
                claimed_by=sara if n % 3 == 0 else None,
                process="loa2-remote-order",
                created_at=at,
            )
        session.commit()


def _calls(runtime: Runtime, clock: FixedClock) -> dict[str, Callable[[], object]]:
    second = tasks_for(runtime, clock, "bertil", limit=5).next_cursor
    assert second is not None
    return {
        "queue anna": lambda: worklist(runtime, clock, "anna"),
        "queue sara": lambda: worklist(runtime, clock, "sara"),
        "queue david": lambda: worklist(runtime, clock, "david"),
        "queue filtered": lambda: worklist(
            runtime,
            clock,
            "bertil",
            QueueFilter(process="loa3-reserve", station="halmstad", due_within_days=3),
        ),
        "task list": lambda: tasks_for(runtime, clock, "bertil"),
        "task list page 2": lambda: tasks_for(runtime, clock, "bertil", limit=5, cursor=second),
        "case list": lambda: list_cases(runtime),
        "open cases": lambda: list_cases(runtime, "open", limit=20),
        "newest cases": lambda: list_cases(runtime, newest_first=True),
        "person search": lambda: lookup.search(runtime, "erik"),
    }


def _count(runtime: Runtime, call: Callable[[], object]) -> int:
    with counting_statements(runtime) as seen:
        call()
    return len(seen)


def test_statements_per_page_stay_the_same_from_10_to_200_cases(
    runtime: Runtime, clock: FixedClock
) -> None:
    _add_cases(runtime, clock, 10)
    small = {name: _count(runtime, call) for name, call in _calls(runtime, clock).items()}
    _add_cases(runtime, clock, 190)
    large = {name: _count(runtime, call) for name, call in _calls(runtime, clock).items()}
    assert large == small
    # A queue: the user, their scope, one UNION ALL of every queue's page, the filter's
    # choices. A task list: the user, the scope, the page. A case list: the page.
    assert small == {
        "queue anna": 4,
        "queue sara": 4,
        "queue david": 4,
        "queue filtered": 4,
        "task list": 3,
        "task list page 2": 3,
        "case list": 1,
        "open cases": 1,
        "newest cases": 1,
        "person search": 2,
    }
    # The pages are full at 200 cases, so the count is not flat for want of rows.
    assert len(tasks_for(runtime, clock, "bertil").items) == 50
    assert len(worklist(runtime, clock, "sara").queues["service_desk"].items) == 50


def _walk(first: Callable[[str | None], tuple[list[Any], str | None]]) -> list[Any]:
    seen: list[Any] = []
    cursor: str | None = None
    while True:
        items, cursor = first(cursor)
        seen.extend(items)
        if cursor is None:
            return seen


@pytest.mark.parametrize("same_time", [False, True], ids=["spread", "all-at-one-instant"])
def test_keyset_pages_return_every_task_and_case_exactly_once(
    runtime: Runtime, clock: FixedClock, same_time: bool
) -> None:
    _add_cases(runtime, clock, 23, same_time=same_time)

    def bertil(cursor: str | None) -> tuple[list[Any], str | None]:
        page = tasks_for(runtime, clock, "bertil", limit=4, cursor=cursor)
        return [t.id for t in page.items], page.next_cursor

    everything = [t.id for t in tasks_for(runtime, clock, "bertil", limit=500).items]
    assert len(everything) == 23
    assert _walk(bertil) == everything

    def desk(cursor: str | None) -> tuple[list[Any], str | None]:
        page = worklist(
            runtime, clock, "sara", cursors={"service_desk": cursor} if cursor else None, limit=5
        ).queues["service_desk"]
        return [t.id for t in page.items], page.next_cursor

    assert len(set(_walk(desk))) == len(_walk(desk)) == 23

    def mine(cursor: str | None) -> tuple[list[Any], str | None]:
        page = worklist(
            runtime, clock, "sara", cursors={MINE: cursor} if cursor else None, limit=3
        ).mine
        return [t.id for t in page.items], page.next_cursor

    assert len(set(_walk(mine))) == 8  # every third of 23 is claimed by sara

    for newest_first in (False, True):
        ids = _walk(_case_pages(runtime, newest_first))
        assert ids == sorted(ids, reverse=newest_first) and len(set(ids)) == 46


def _case_pages(
    runtime: Runtime, newest_first: bool
) -> Callable[[str | None], tuple[list[Any], str | None]]:
    def cases(cursor: str | None) -> tuple[list[Any], str | None]:
        page = list_cases(runtime, "open", limit=7, cursor=cursor, newest_first=newest_first)
        return [c.id for c in page.items], page.next_cursor

    return cases


def test_a_cursor_that_is_not_ours_or_a_page_too_large_is_refused(
    runtime: Runtime, clock: FixedClock
) -> None:
    _add_cases(runtime, clock, 2)
    with pytest.raises(Invalid, match="sidmarkör"):
        tasks_for(runtime, clock, "bertil", cursor="not-a-cursor")
    with pytest.raises(Invalid, match="sidmarkör"):
        list_cases(runtime, cursor=tasks_for(runtime, clock, "bertil", limit=1).next_cursor)
    with pytest.raises(Invalid, match="page size"):
        list_cases(runtime, limit=100_000)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_on_postgresql_the_queue_page_reads_a_partial_index_of_ready_tasks(
    runtime: Runtime, clock: FixedClock
) -> None:
    _add_cases(runtime, clock, 5)
    captured: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        captured.append((statement, parameters))

    engine = runtime.database.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        tasks_for(runtime, clock, "bertil")
    finally:
        event.remove(engine, "before_cursor_execute", note)
    statement, parameters = captured[-1]
    assert "case_tasks" in statement
    with engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
    assert "ix_case_tasks_ready_" in "\n".join(plan)


def test_r8_the_queue_filter_narrows_by_process_station_and_deadline_in_sql(
    runtime: Runtime, clock: FixedClock
) -> None:
    now = clock.now()
    with runtime.database.sessions() as session:
        rows = TaskRows(session, now)
        region = rows.organisation("region-demo")
        cecilia, bertil, david = rows.person("cecilia"), rows.person("bertil"), rows.person("david")
        rows.task(
            "halmstad-soon",
            "loa2_admin",
            region,
            started_by=cecilia,
            due_at=now + timedelta(days=1),
        )
        rows.task(
            "kungsbacka-later",
            "loa2_admin",
            region,
            started_by=bertil,
            due_at=now + timedelta(days=5),
        )
        rows.task(
            "remote-order", "loa2_admin", region, started_by=david, process="loa2-remote-order"
        )
        session.commit()

    def names(queue_filter: QueueFilter) -> list[str]:
        work = worklist(runtime, clock, "anna", queue_filter)
        return [t.name for t in work.queues["loa2_admin"].items]

    assert names(QueueFilter()) == ["halmstad-soon", "kungsbacka-later", "remote-order"]
    assert names(QueueFilter(station="halmstad")) == ["halmstad-soon"]
    assert names(QueueFilter(station="kungsbacka")) == ["kungsbacka-later"]
    assert names(QueueFilter(process="loa2-remote-order")) == ["remote-order"]
    assert names(QueueFilter(due_within_days=3)) == ["halmstad-soon"]
    assert names(QueueFilter(due_within_days=7, station="kungsbacka")) == ["kungsbacka-later"]
    shown = worklist(runtime, clock, "anna").queues["loa2_admin"].items
    assert [t.station for t in shown] == ["halmstad", "kungsbacka", None]
