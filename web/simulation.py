"""The banner on every page while the clock is simulated (issue 10).

A page judged at `SITHSFLOW_NOW` or under `SITHSFLOW_CLOCK_OFFSET` looks like any other,
so a person could take a simulated deadline for a real one; base.html shows the
simulated time at the top of every page whenever the clock is not the real one.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from engine.clock import is_simulated
from web import context


def init_app(app: Flask) -> None:
    app.context_processor(_simulated_now)


def _simulated_now() -> dict[str, datetime | None]:
    """`simulated_now` for templates: the clock's instant when simulated, else None."""
    clock = context.clock()
    return {"simulated_now": clock.now() if is_simulated(clock) else None}
