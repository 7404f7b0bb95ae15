"""Rows about the running system rather than the domain: the workers' heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from engine.model.base import Base
from engine.model.base import UTCDateTime


class WorkerHeartbeat(Base):
    """One row per `sithsflow worker` process, rewritten after every timer sweep.

    `beat_at` is the real time (never the simulated clock), so that `/readyz` can tell a
    live worker from a dead one whatever the simulation; `clock_at` is the instant the
    sweep judged the timers at, for the operator to compare with the pages' clock.
    """

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sweep_seconds: Mapped[int]
    clock_source: Mapped[str] = mapped_column(String(16))
    clock_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sweeps: Mapped[int] = mapped_column(default=0)
    last_fired: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
