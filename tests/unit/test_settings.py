"""The settings read from the environment, and the one clock a process builds from them."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from engine.clock import FixedClock
from engine.clock import OffsetClock
from engine.clock import SystemClock
from engine.clock import is_simulated
from engine.errors import Invalid
from engine.settings import Settings
from engine.settings import parse_offset


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("P6D", timedelta(days=6)),
        ("-P30DT2H", -timedelta(days=30, hours=2)),
        ("+PT90S", timedelta(seconds=90)),
        ("P1W", timedelta(weeks=1)),
        ("P5DT1M", timedelta(days=5, minutes=1)),
    ],
)
def test_a_clock_offset_is_an_iso_8601_duration_with_a_sign(text: str, offset: timedelta) -> None:
    assert parse_offset(text) == offset


@pytest.mark.parametrize("text", ["6d", "P", "PT", "P-6D", "P99999999999D", "P" + "9" * 5000 + "D"])
def test_a_malformed_or_absurd_clock_offset_is_refused_with_its_name(text: str) -> None:
    with pytest.raises(Invalid, match="SITHSFLOW_CLOCK_OFFSET"):
        parse_offset(text)


def test_the_real_time_is_the_clock_when_nothing_simulates() -> None:
    clock = Settings.from_env({}).clock()
    assert isinstance(clock, SystemClock)
    assert not is_simulated(clock)


def test_sithsflow_now_fixes_the_clock_of_the_process() -> None:
    clock = Settings.from_env({"SITHSFLOW_NOW": "2026-11-30T10:00:00+01:00"}).clock()
    assert isinstance(clock, FixedClock)
    assert clock.now() == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert is_simulated(clock)


def test_a_clock_offset_moves_the_real_time_and_keeps_it_running() -> None:
    clock = Settings.from_env({"SITHSFLOW_CLOCK_OFFSET": "P6D"}).clock()
    assert isinstance(clock, OffsetClock)
    shown = clock.now() - datetime.now(UTC)
    assert timedelta(days=6) - timedelta(seconds=5) < shown <= timedelta(days=6)
    assert is_simulated(clock)
    assert clock.source == "set"  # the audit trail says the clock was set


def test_both_simulations_at_once_are_refused() -> None:
    with pytest.raises(Invalid, match="not both"):
        Settings.from_env(
            {"SITHSFLOW_NOW": "2026-11-30T10:00:00+01:00", "SITHSFLOW_CLOCK_OFFSET": "P1D"}
        )


def test_a_naive_sithsflow_now_is_refused_at_start() -> None:
    with pytest.raises(Invalid, match="tidszon"):
        Settings.from_env({"SITHSFLOW_NOW": "2026-11-30T10:00"})


def test_serving_settings_default_to_the_demo_and_follow_the_environment() -> None:
    default = Settings.from_env({})
    assert (default.bind, default.web_workers, default.sweep_seconds) == ("127.0.0.1:5000", 2, 60)
    assert Settings.from_env({"SITHSFLOW_PORT": "5080"}).bind == "127.0.0.1:5080"
    chosen = Settings.from_env(
        {"SITHSFLOW_BIND": "0.0.0.0:8000", "SITHSFLOW_WORKERS": "4", "SITHSFLOW_SWEEP_SECONDS": "5"}
    )
    assert (chosen.bind, chosen.web_workers, chosen.sweep_seconds) == ("0.0.0.0:8000", 4, 5)


@pytest.mark.parametrize(
    ("name", "value"),
    [("SITHSFLOW_WORKERS", "0"), ("SITHSFLOW_WORKERS", "four"), ("SITHSFLOW_SWEEP_SECONDS", "-1")],
)
def test_a_bad_number_of_workers_or_seconds_is_refused_with_its_name(name: str, value: str) -> None:
    with pytest.raises(Invalid, match=name):
        Settings.from_env({name: value})
