"""Deployed process and decision versions, cases, their task projection and timers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from engine.model.base import Base
from engine.model.base import UTCDateTime
from engine.model.organisation import Organisation
from engine.model.people import Person

CASE_OPEN = "open"
CASE_COMPLETED = "completed"
CASE_LAPSED = "lapsed"
CASE_EXPIRED = "expired"
CASE_CANCELLED = "cancelled"
CASE_STATES = (CASE_OPEN, CASE_COMPLETED, CASE_LAPSED, CASE_EXPIRED, CASE_CANCELLED)


class ProcessVersion(Base):
    """A BPMN process as deployed once; every case pins the version it started on."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200), default="")
    source_xml: Mapped[str] = mapped_column(Text)
    # The serialized spec (and subprocess specs), stored once per version, not per case.
    spec_json: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str] = mapped_column(String(64))
    # The forms deployed with this version (form id -> JSON Schema, as JSON): a case renders
    # and validates the forms of its own version, never the files of a later one.
    forms_json: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def label(self) -> str:
        return f"{self.process_id}@{self.version}"


class ProcessDefinition(Base):
    """A process as a whole: which version new cases get, and whether new cases may start."""

    __tablename__ = "process_definitions"

    process_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    active_version: Mapped[int]
    suspended: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(64))


class DecisionVersion(Base):
    """A DMN decision table a process owner deployed; policy reads the one in force."""

    __tablename__ = "decision_versions"
    __table_args__ = (UniqueConstraint("decision_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    source_xml: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str] = mapped_column(String(64))
    # S6: the instant from which this table judges events (never before its deploy; the
    # first version of a table judges everything before it, as nothing else existed).
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def label(self) -> str:
        return f"{self.decision_id}@{self.version}"


class Case(Base):
    """One run of a process for one holder, with its SpiffWorkflow state (spec excluded)."""

    __tablename__ = "cases"
    # The case list's keyset order within one state (migration 0005); one open case per
    # process and subject (migration 0016, engine.services.subjects).
    __table_args__ = (
        Index("ix_cases_state_id", "state", "id"),
        Index(
            "ux_cases_open_subject",
            "process_id",
            "subject",
            unique=True,
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
        # S2: the cases a card user started (read_scope.PERSONAL_CASE_CLAUSE, migration 0017).
        Index("ix_cases_started_by", "started_by_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Business data shown on the case page (mirrors the workflow's data).
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    # zlib-compressed SpiffWorkflow task state, without the spec.
    workflow_state: Mapped[bytes] = mapped_column(LargeBinary)
    serializer_version: Mapped[str] = mapped_column(String(16))
    # Renewal cycles continue as new (R11): the stored state never grows with them.
    cycle: Mapped[int] = mapped_column(default=1)
    version_id: Mapped[int] = mapped_column(default=1)
    # What a process has at most one open case about ("card:RK000020", "employment:42"):
    # R9/R4 one renewal of a card at a time, R19 one end of an employment.
    subject: Mapped[str | None] = mapped_column(String(64), index=True)

    process_version: Mapped[ProcessVersion] = relationship()
    holder: Mapped[Person | None] = relationship(foreign_keys=[holder_id])
    started_by: Mapped[Person] = relationship(foreign_keys=[started_by_id])
    organisation: Mapped[Organisation] = relationship()
    tasks: Mapped[list[CaseTask]] = relationship(
        back_populates="case", order_by="CaseTask.created_at"
    )

    __mapper_args__ = {"version_id_col": version_id}


TASK_READY = "ready"
TASK_COMPLETED = "completed"
TASK_CANCELLED = "cancelled"

# A partial index over ready tasks: the queues never read the others, which pile up.
_READY: dict[str, Any] = {
    "postgresql_where": text("state = 'ready'"),
    "sqlite_where": text("state = 'ready'"),
}


class CaseTask(Base):
    """A user task as the queues see it: one row per task instance, indexed for inboxes."""

    __tablename__ = "case_tasks"
    __table_args__ = (
        Index("ix_case_tasks_state_lane", "state", "lane"),
        # The queues (engine.services.may_work, migration 0005): ready tasks only, in the
        # keyset order of every list (created_at, id); per lane, per lane and organisation,
        # across lanes (`task list`), and per claimer ("my tasks").
        Index("ix_case_tasks_ready_lane", "lane", "created_at", "id", **_READY),
        Index(
            "ix_case_tasks_ready_lane_organisation",
            "lane",
            "organisation_id",
            "created_at",
            "id",
            **_READY,
        ),
        Index("ix_case_tasks_ready_created", "created_at", "id", **_READY),
        Index("ix_case_tasks_ready_claimed_by", "claimed_by_id", "created_at", "id", **_READY),
        # R20 and S2: an attester's steps (may_work) and the cases they read (read_scope).
        Index("ix_case_tasks_assignee", "assignee_id", "case_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200), default="")
    lane: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whose rights must cover this organisation (the case's), and who may not act (R6).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    excluded_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # R20: a task only this person works (an attester), named by the task's `assignee`
    # property; None for the lane's queue.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    case: Mapped[Case] = relationship(back_populates="tasks")
    organisation: Mapped[Organisation] = relationship()
    claimed_by: Mapped[Person | None] = relationship(foreign_keys=[claimed_by_id])
    completed_by: Mapped[Person | None] = relationship(foreign_keys=[completed_by_id])


TIMER_WAITING = "waiting"
TIMER_FIRED = "fired"
TIMER_CANCELLED = "cancelled"


class Timer(Base):
    """A waiting timer event: the only source the sweeper reads (one indexed query)."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("case_id", "task_id"),
        Index("ix_timers_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str | None] = mapped_column(String(16))
    interrupting: Mapped[bool] = mapped_column(default=True)
    attached_task_id: Mapped[str | None] = mapped_column(String(36))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=TIMER_WAITING)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
