"""What a request needs from the app: the runtime, the settings and the clock."""

from __future__ import annotations

from flask import current_app

from engine.clock import Clock
from engine.services.runtime import Runtime
from engine.settings import Settings

CLOCK_KEY = "SITHSFLOW_CLOCK"
CLOCK_EXTENSION = "sithsflow.clock"


def runtime() -> Runtime:
    found: Runtime = current_app.extensions["sithsflow.runtime"]
    return found


def settings() -> Settings:
    found: Settings = current_app.extensions["sithsflow.settings"]
    return found


def clock() -> Clock:
    """A test's settable clock, else the process's one clock (`Settings.clock()`: the
    simulated `SITHSFLOW_NOW` or `SITHSFLOW_CLOCK_OFFSET`, else the real time), built once
    by `create_app` so that pages, API and the worker judge rules at the same instant."""
    configured = current_app.config.get(CLOCK_KEY)
    if configured is not None:
        assert hasattr(configured, "now")
        found: Clock = configured
        return found
    built: Clock = current_app.extensions[CLOCK_EXTENSION]
    return built
