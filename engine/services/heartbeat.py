"""The workers' heartbeats: written after every sweep, read by `/readyz`.

A worker that stops beating (killed, hung, cut off from the database) is noticed by the
readiness probe, which counts a worker as alive while its newest beat is younger than
`MISSED_SWEEPS` of its own sweep intervals. Beats use the real time, never the simulated
clock: a simulation must not make a dead worker look alive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update

from engine.clock import Clock
from engine.database import Database
from engine.model import WorkerHeartbeat

# A worker is late after missing this many sweeps in a row.
MISSED_SWEEPS = 3
# Rows of workers gone this long are deleted by the beats of the others.
FORGET_AFTER = timedelta(days=7)
ERROR_TEXT_LIMIT = 2000


@dataclass(frozen=True)
class Beat:
    """What one sweep tells about its worker."""

    worker: str
    started_at: datetime
    sweep_seconds: int
    fired: int
    error: str | None


@dataclass(frozen=True)
class WorkerState:
    """The newest heartbeat of the freshest worker, as `/readyz` judges it."""

    worker: str
    beat_at: datetime
    age_seconds: float
    limit_seconds: float
    clock_source: str
    clock_at: datetime
    last_error: str | None

    @property
    def is_recent(self) -> bool:
        return self.age_seconds <= self.limit_seconds


def record_beat(database: Database, clock: Clock, beat: Beat) -> None:
    """Write this worker's row in its own short transaction (the sweep's are committed)."""
    real_now = datetime.now(UTC)
    values = {
        "beat_at": real_now,
        "sweep_seconds": beat.sweep_seconds,
        "clock_source": clock.source,
        "clock_at": clock.now(),
        "last_fired": beat.fired,
        "last_error": beat.error[:ERROR_TEXT_LIMIT] if beat.error else None,
    }
    with database.sessions.begin() as session:
        changed = session.execute(
            update(WorkerHeartbeat)
            .where(WorkerHeartbeat.worker == beat.worker)
            .values(sweeps=WorkerHeartbeat.sweeps + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            session.add(
                WorkerHeartbeat(worker=beat.worker, started_at=beat.started_at, sweeps=1, **values)
            )
        session.execute(
            delete(WorkerHeartbeat)
            .where(WorkerHeartbeat.beat_at < real_now - FORGET_AFTER)
            .execution_options(synchronize_session=False)
        )


def freshest_worker(database: Database) -> WorkerState | None:
    """The worker with the newest beat, or None when no worker ever beat."""
    with database.sessions() as session:
        row = session.scalars(
            select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc()).limit(1)
        ).first()
    if row is None:
        return None
    age = (datetime.now(UTC) - row.beat_at).total_seconds()
    return WorkerState(
        worker=row.worker,
        beat_at=row.beat_at,
        age_seconds=age,
        limit_seconds=float(MISSED_SWEEPS * row.sweep_seconds),
        clock_source=row.clock_source,
        clock_at=row.clock_at,
        last_error=row.last_error,
    )
