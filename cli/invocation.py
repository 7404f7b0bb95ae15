"""What the global options decided, shared by every command module."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import click
from sqlalchemy.exc import ArgumentError

from engine.clock import Clock
from engine.clock import FixedClock
from engine.clock import OffsetClock
from engine.clock import SystemClock
from engine.errors import Invalid
from engine.policy.timekeeping import parse_instant
from engine.schema import upgrade_schema
from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap


@dataclass
class Invocation:
    """What the global options decided, built lazily so `--help` needs no database."""

    database_url: str
    now: str | None
    as_json: bool
    clock_offset: timedelta | None = None
    _runtime: Runtime | None = None

    @property
    def clock(self) -> Clock:
        """`--now` (or SITHSFLOW_NOW), else SITHSFLOW_CLOCK_OFFSET, else the real time: the
        same clock the pages and the worker of this deployment use (Settings.clock)."""
        if self.now is not None:
            return FixedClock(parse_instant(self.now))
        if self.clock_offset is not None:
            return OffsetClock(self.clock_offset)
        return SystemClock()

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            try:
                self._runtime = bootstrap(self.database_url)
            except ArgumentError as error:
                raise Invalid(
                    f"Ogiltig databas-URL '{self.database_url}': {error}. / "
                    f"Invalid database URL '{self.database_url}'."
                ) from error
            upgrade_schema(self._runtime.database)
        return self._runtime

    def emit(self, payload: dict[str, Any], text: Callable[[], str]) -> None:
        if self.as_json:
            click.echo(json.dumps(payload, ensure_ascii=False, default=str))
        else:
            click.echo(text())


pass_invocation = click.make_pass_decorator(Invocation)
