"""Daily checks the worker runs: what an operator must hear about before a user does.

Each finding is a count with the oldest examples; nothing is changed. The worker logs
them as warnings (a log line an operator's monitoring can alert on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from engine.clock import Clock
from engine.model import OutboxMessage
from engine.model import Timer
from engine.model.cases import TIMER_WAITING
from engine.services.runtime import Runtime
from engine.services.timer_steps import TIMER_FAILED

# A timer still waiting this long after it came due means no worker is firing timers.
OVERDUE_TIMER_GRACE = timedelta(hours=1)
# A message unsent this long after it was queued has not reached its reader.
UNSENT_MAIL_GRACE = timedelta(days=1)
EXAMPLES = 10


@dataclass(frozen=True)
class Finding:
    """One check that found something: how many, and the oldest ids."""

    check: str
    count: int
    examples: tuple[int, ...]
    oldest: datetime | None


@dataclass(frozen=True)
class DailyReport:
    at: datetime
    findings: tuple[Finding, ...]

    @property
    def is_clean(self) -> bool:
        return not self.findings


def run_daily_checks(runtime: Runtime, clock: Clock) -> DailyReport:
    """Overdue timers, failed timers and mail unsent for a day, at the clock's time."""
    now = clock.now()
    with runtime.database.sessions() as session:
        checks = {
            "overdue_timers": (
                Timer.id,
                Timer.due_at,
                (Timer.status == TIMER_WAITING, Timer.due_at < now - OVERDUE_TIMER_GRACE),
            ),
            "failed_timers": (Timer.id, Timer.due_at, (Timer.status == TIMER_FAILED,)),
            "unsent_mail": (
                OutboxMessage.id,
                OutboxMessage.created_at,
                (
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.created_at < now - UNSENT_MAIL_GRACE,
                ),
            ),
        }
        findings = []
        for name, (key, when, conditions) in checks.items():
            count = session.scalar(select(func.count(key)).where(*conditions))
            if not count:
                continue
            oldest = session.execute(
                select(key, when).where(*conditions).order_by(when, key).limit(EXAMPLES)
            ).all()
            findings.append(
                Finding(
                    check=name,
                    count=int(count),
                    examples=tuple(int(row[0]) for row in oldest),
                    oldest=oldest[0][1] if oldest else None,
                )
            )
    return DailyReport(at=now, findings=tuple(findings))
