"""Watching the flows (issue 13): where open cases wait and how each version's cases end,
as counts for process owners only (S1, S2: no personal data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import NotPermitted
from engine.services import flow_watch
from engine.services.incident_actions import incidents_for
from engine.services.incident_actions import retry_incident
from engine.services.incidents import ElementFilter
from engine.services.timers import fire_due_timers
from tests.integration.test_incidents import failing_case
from tests.support.flows import Flows
from tests.support.statements import counting_statements

LOA3 = "loa3-reserve"


def test_waiting_cases_are_counted_per_element_with_their_median_wait(flows: Flows) -> None:
    flows.at("2026-11-23 10:00").start_loa3(holder="frida")
    flows.at("2026-11-23 16:00").start_loa3(holder="erik")
    flows.at("2026-11-24 10:00")
    waits = flow_watch.waiting_by_element(flows.runtime, flows.clock, LOA3, "petra")
    # Waited 24 h and 18 h: the median of two is their mean.
    assert waits == (flow_watch.ElementWait("second_verification", 2, 21.0),)


def test_r7_lapse_rate_per_version_counts_only_finished_cases(flows: Flows) -> None:
    flows.at("2026-11-23 10:00").start_loa3(holder="frida")
    flows.at("2026-11-23 11:00").start_loa3(holder="erik")
    fire_due_timers(flows.runtime, flows.at("2026-11-28 10:30").clock)  # the first lapses
    (v1,) = flow_watch.outcomes_by_version(flows.runtime, flows.clock, LOA3, "petra")
    assert (v1.version, v1.open, v1.lapsed, v1.finished) == (1, 1, 1, 1)
    assert v1.rate(v1.lapsed) == 1.0
    assert flow_watch.VersionOutcomes(2, 3, 0, 0, 0, 0).rate(0) is None


@pytest.mark.parametrize("call", ["waiting_by_element", "outcomes_by_version"])
def test_s1_only_process_owners_watch_the_flows(flows: Flows, call: str) -> None:
    with pytest.raises(NotPermitted):
        getattr(flow_watch, call)(flows.runtime, flows.clock, LOA3, "anna")


def test_open_incidents_per_element_of_a_version_in_one_grouped_query(
    flows: Flows, tmp_path: Path
) -> None:
    first = failing_case(flows, tmp_path)
    second = flows.at("2026-11-23 15:30").start("failing", "sara", divisor="0").id
    flows.at("2026-11-23 15:40").start("failing", "sara", divisor="1")  # its timer succeeds
    fire_due_timers(flows.runtime, flows.at("2026-11-24 16:00").clock)

    with counting_statements(flows.runtime) as statements:
        found = flow_watch.incidents_by_element(flows.runtime, flows.clock, "failing", 1, "petra")
    assert found == (flow_watch.ElementIncidents("wait", 2, 2),)
    grouped = [s for s in statements if "GROUP BY" in s.upper() and "incidents" in s]
    assert len(grouped) == 1
    # Another version has none; the cases behind the count are the incident page's list.
    assert flow_watch.incidents_by_element(flows.runtime, flows.clock, "failing", 2, "petra") == ()
    at_wait = ElementFilter("failing", 1, "wait")
    listed = incidents_for(flows.runtime, flows.clock, "petra", at_element=at_wait)
    assert sorted(row.case for row in listed) == sorted([first, second])
    elsewhere = ElementFilter("failing", 1, "boom")
    assert incidents_for(flows.runtime, flows.clock, "petra", at_element=elsewhere) == []


def test_a_retried_incident_is_no_longer_counted_only_its_new_failure_is(
    flows: Flows, tmp_path: Path
) -> None:
    failing_case(flows, tmp_path)
    fire_due_timers(flows.runtime, flows.at("2026-11-24 16:00").clock)
    [incident] = incidents_for(flows.runtime, flows.clock, "petra")
    retry_incident(flows.runtime, flows.clock, incident.id, "petra")  # fails again: a new one
    assert flow_watch.incidents_by_element(flows.runtime, flows.clock, "failing", 1, "petra") == (
        flow_watch.ElementIncidents("wait", 1, 1),
    )


def test_s1_only_process_owners_count_incidents_per_element(flows: Flows) -> None:
    with pytest.raises(NotPermitted):
        flow_watch.incidents_by_element(flows.runtime, flows.clock, LOA3, 1, "anna")
