"""What a request needs from the app: the runtime, the settings and the clock."""

from __future__ import annotations

from flask import current_app

from engine.clock import Clock
from engine.clock import FixedClock
from engine.clock import SystemClock
from engine.policy.timekeeping import parse_instant
from engine.services.runtime import Runtime
from engine.settings import Settings

CLOCK_KEY = "SITHSFLOW_CLOCK"


def runtime() -> Runtime:
    found: Runtime = current_app.extensions["sithsflow.runtime"]
    return found


def settings() -> Settings:
    found: Settings = current_app.extensions["sithsflow.settings"]
    return found


def clock() -> Clock:
    """A test's settable clock, else the simulated `SITHSFLOW_NOW`, else the real time."""
    configured = current_app.config.get(CLOCK_KEY)
    if configured is not None:
        assert hasattr(configured, "now")
        found: Clock = configured
        return found
    now = settings().now
    return FixedClock(parse_instant(now)) if now else SystemClock()
