"""Watching the flows (issue 13): where open cases wait and how each version's cases end,
as counts for process owners only (S1, S2: no personal data)."""

from __future__ import annotations

import pytest

from engine.errors import NotPermitted
from engine.services import flow_watch
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows

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
