"""Walking the demo flows in tests, through the same services the CLI and web call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select

from engine.clock import FixedClock
from engine.model import Base
from engine.model import Case
from engine.model import CaseTask
from engine.model import Certificate
from engine.model import ReserveCard
from engine.model import Timer
from engine.policy.timekeeping import STOCKHOLM
from engine.services import cases
from engine.services import queries
from engine.services.cases import CaseSummary
from engine.services.runtime import Runtime


def local(text: str) -> datetime:
    """'2026-11-23 15:01' as an aware Stockholm time."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


class Flows:
    """A runtime and a clock, with the steps the rules talk about."""

    def __init__(self, runtime: Runtime, clock: FixedClock) -> None:
        self.runtime = runtime
        self.clock = clock

    def at(self, text: str) -> Flows:
        self.clock.set(local(text))
        return self

    def start(self, process: str, user: str, **fields: Any) -> CaseSummary:
        return cases.start_case(self.runtime, self.clock, process, user, fields)

    def start_loa3(self, user: str = "anna", holder: str = "frida", **fields: Any) -> CaseSummary:
        fields.setdefault("id_document", "passport")
        return self.start("loa3-reserve", user, holder=holder, **fields)

    def order_loa2(self, user: str = "david", holder: str = "erik", **fields: Any) -> CaseSummary:
        fields.setdefault("reason", "Glömt kort på nattskift")
        return self.start("loa2-remote-order", user, holder=holder, **fields)

    def task_id(self, case_id: int, name: str) -> str:
        shown = queries.show_case(self.runtime, case_id)
        ready = [t["id"] for t in shown["tasks"] if t["name"] == name and t["state"] == "ready"]
        assert ready, f"no ready {name} in case {case_id}: {shown['tasks']}"
        return str(ready[-1])

    def complete(self, case_id: int, name: str, user: str, **fields: Any) -> CaseSummary:
        task = self.task_id(case_id, name)
        return cases.complete_task(self.runtime, self.clock, task, user, fields)

    def task_names(self, user: str) -> list[str]:
        return [t.name for t in queries.tasks_for(self.runtime, self.clock, user).items]

    def case(self, case_id: int) -> dict[str, Any]:
        return queries.show_case(self.runtime, case_id)

    def rows_but_audit(self) -> dict[str, Any]:
        """Every row a step writes, and the row counts of every table but the audit trail,
        to show that a refusal or a lost race changed nothing else."""
        counts = self.row_counts()
        with self.runtime.database.sessions() as session:
            return {
                "counts": {k: v for k, v in counts.items() if k != "audit_events"},
                "cases": session.execute(select(Case.id, Case.state, Case.version_id)).all(),
                "tasks": session.execute(select(CaseTask.id, CaseTask.state)).all(),
                "timers": session.execute(select(Timer.id, Timer.status)).all(),
                "cards": session.execute(
                    select(
                        ReserveCard.number,
                        ReserveCard.state,
                        ReserveCard.holder_id,
                        ReserveCard.version_id,
                    )
                ).all(),
                "certificates": session.execute(
                    select(Certificate.id, Certificate.card_number)
                ).all(),
            }

    def row_counts(self) -> dict[str, int]:
        """Rows per table, to show that a refusal changed nothing (but the audit trail)."""
        with self.runtime.database.sessions() as session:
            return {
                table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
