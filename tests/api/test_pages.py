"""GET /api/tasks and GET /api/cases answer one page and a `next_cursor` to the next."""

from __future__ import annotations

from engine.clock import FixedClock
from engine.services.runtime import Runtime
from tests.api.conftest import Api
from tests.support.task_rows import TaskRows


def _desk_tasks(runtime: Runtime, clock: FixedClock, count: int) -> None:
    with runtime.database.sessions() as session:
        rows = TaskRows(session, clock.now())
        region, david = rows.organisation("region-demo"), rows.person("david")
        for n in range(count):
            rows.task(f"desk-{n}", "service_desk", region, started_by=david)
        session.commit()


def test_the_task_and_case_lists_page_with_limit_and_cursor(
    api: Api, runtime: Runtime, clock: FixedClock
) -> None:
    _desk_tasks(runtime, clock, 5)
    first = api.get("/api/tasks?limit=3", "sara").get_json()
    assert len(first["tasks"]) == 3 and first["next_cursor"]
    rest = api.get(f"/api/tasks?limit=3&cursor={first['next_cursor']}", "sara").get_json()
    assert len(rest["tasks"]) == 2 and rest["next_cursor"] is None
    names = [t["name"] for t in first["tasks"] + rest["tasks"]]
    assert names == [f"desk-{n}" for n in range(5)]
    cases = api.get("/api/cases?state=open&limit=4", "olof").get_json()
    more = api.get(f"/api/cases?state=open&cursor={cases['next_cursor']}", "olof").get_json()
    ids = [c["id"] for c in cases["cases"] + more["cases"]]
    assert len(ids) == 5 and ids == sorted(ids) and more["next_cursor"] is None


def test_a_bad_page_size_or_cursor_is_refused_with_422(api: Api) -> None:
    for path in ("/api/tasks?limit=0", "/api/tasks?limit=ten", "/api/cases?cursor=nonsense"):
        answer = api.get(path, "sara")
        assert answer.status_code == 422, path
        assert answer.get_json()["message"]
