"""The queue, case and search pages show one page at a time and link to the next."""

from __future__ import annotations

import html
import re

from engine.clock import FixedClock
from engine.services.runtime import Runtime
from tests.support.task_rows import TaskRows
from tests.web.conftest import Browser
from tests.web.conftest import text

_NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
_TASK_LINKS = re.compile(r'href="/tasks/([0-9a-f-]{36})"')


def _desk_tasks(runtime: Runtime, clock: FixedClock, count: int) -> None:
    with runtime.database.sessions() as session:
        rows = TaskRows(session, clock.now())
        region, david = rows.organisation("region-demo"), rows.person("david")
        for n in range(count):
            rows.task(
                f"desk-{n}", "service_desk", region, started_by=david, process="loa2-remote-order"
            )
        session.commit()


def _next(page: str) -> str | None:
    found = _NEXT.search(page)
    return html.unescape(found.group(1)) if found else None


def test_the_service_desk_queue_pages_through_every_task_once(
    browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    _desk_tasks(runtime, clock, 60)
    browser.login("sara")
    first = text(browser.get("/tasks?process=loa2-remote-order"))
    assert "Fler uppgifter" in first
    link = _next(first)
    assert (
        link is not None and "cursor.service_desk=" in link and "process=loa2-remote-order" in link
    )
    second = text(browser.get(link))
    seen = _TASK_LINKS.findall(first) + _TASK_LINKS.findall(second)
    assert len(seen) == len(set(seen)) == 60
    assert _next(second) is None


def test_the_case_list_shows_the_newest_cases_first_and_links_to_older_ones(
    browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    _desk_tasks(runtime, clock, 101)
    browser.login("olof")
    first = text(browser.get("/cases?state=open"))
    ids = [int(i) for i in re.findall(r'href="/cases/(\d+)"', first)]
    assert len(ids) == 100 and ids == sorted(ids, reverse=True)
    link = _next(first)
    assert link is not None and "state=open" in link
    older = [int(i) for i in re.findall(r'href="/cases/(\d+)"', text(browser.get(link)))]
    assert older == [min(ids) - 1]


def test_a_colleagues_claimed_task_shows_who_took_it_without_a_link_to_its_form(
    browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    with runtime.database.sessions() as session:
        rows = TaskRows(session, clock.now())
        region = rows.organisation("region-demo")
        rows.task(
            "taken",
            "loa3_admin",
            region,
            started_by=rows.person("cecilia"),
            claimed_by=rows.person("bertil"),
        )
        session.commit()
        task = rows.tasks["taken"]
    browser.login("anna")
    queue = text(browser.get("/tasks"))
    assert "Tagen av bertil" in queue
    assert f'href="/tasks/{task}"' not in queue
    assert browser.get(f"/tasks/{task}").status_code == 409
