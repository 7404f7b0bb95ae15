"""Probes for a load balancer or an orchestrator: `/healthz` (liveness) and `/readyz`.

`/healthz` answers 200 while the database answers (CONTRACT.md), 503 otherwise: restart
the web process if it stays down. `/readyz` answers 200 only when this deployment can do
its work: the database answers, its schema is at the migrations this code ships, and a
`sithsflow worker` beat within three of its sweep intervals (timers fire, mail goes
out). Otherwise 503 with every reason, so an operator sees all that is wrong at once.
Neither needs a login nor shows personal data.
"""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from engine.schema import schema_state
from engine.services.heartbeat import freshest_worker
from web import context

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> tuple[dict[str, object], int]:
    """200 when the database answers, 503 otherwise."""
    try:
        with context.runtime().database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"ok": False, "database": "unreachable"}, 503
    return {"ok": True}, 200


@blueprint.get("/readyz")
def readyz() -> tuple[dict[str, object], int]:
    """200 with the checks when ready; 503 with `reasons` otherwise."""
    reasons: list[dict[str, str]] = []
    checks: dict[str, object] = {}
    database = context.runtime().database
    try:
        state = schema_state(database)
    except SQLAlchemyError as error:
        reasons.append(_reason("database", f"The database does not answer: {_first_line(error)}"))
        return {"ready": False, "reasons": reasons}, 503
    checks["schema"] = {"current": list(state.current), "head": list(state.head)}
    if not state.is_at_head:
        at = ", ".join(state.current) or "no schema"
        reasons.append(
            _reason(
                "schema",
                f"The schema is at {at}, this code needs {', '.join(state.head)}: "
                "run 'sithsflow db init'.",
            )
        )
    try:
        worker = freshest_worker(database) if state.is_at_head else None
    except SQLAlchemyError as error:
        reasons.append(_reason("worker", f"The heartbeats cannot be read: {_first_line(error)}"))
        worker = None
    if worker is None:
        if state.is_at_head:
            reasons.append(_reason("worker", "No 'sithsflow worker' has ever run here."))
    else:
        checks["worker"] = {
            "name": worker.worker,
            "beat_at": worker.beat_at.isoformat(),
            "age_seconds": round(worker.age_seconds, 1),
            "limit_seconds": worker.limit_seconds,
            "clock_source": worker.clock_source,
            "clock_at": worker.clock_at.isoformat(),
            "last_error": worker.last_error,
        }
        if not worker.is_recent:
            reasons.append(
                _reason(
                    "worker",
                    f"The newest worker heartbeat is {worker.age_seconds:.0f} s old "
                    f"(limit {worker.limit_seconds:.0f} s): no worker is sweeping.",
                )
            )
    if reasons:
        return {"ready": False, "reasons": reasons, "checks": checks}, 503
    return {"ready": True, "checks": checks}, 200


def _reason(check: str, message: str) -> dict[str, str]:
    return {"check": check, "message": message}


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
