"""A process owner's unsaved work on a process: the draft of its next version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from engine.model.base import Base
from engine.model.base import UTCDateTime


class ProcessDraft(Base):
    """One draft per process per owner: the bundle's files (BPMN, DMN, forms) by file name.

    A draft is never run or deployed by itself; deploying it goes through the deploy
    service's checks like any bundle (S1), and only then is it removed.
    """

    __tablename__ = "process_drafts"
    __table_args__ = (UniqueConstraint("process_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # The active version the draft was opened from (its diff is against the active one).
    based_on_version: Mapped[int]
    files_json: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessScenario(Base):
    """A simulation scenario an owner keeps for a process, to rerun after each change:
    when the case starts, whether the workers act, and the case data it starts with."""

    __tablename__ = "process_scenarios"
    __table_args__ = (UniqueConstraint("process_id", "owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    name: Mapped[str] = mapped_column(String(100))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    workers_act: Mapped[bool]
    data_json: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
