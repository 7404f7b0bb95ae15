"""Report jobs: a long report runs outside the request that asked for it (issue 11).

The row is the job's whole state: any web worker process reads its progress and serves
its PDF, and a runner that died is noticed by its lease running out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import deferred
from sqlalchemy.orm import mapped_column

from engine.model.base import Base
from engine.model.base import UTCDateTime


class ReportJob(Base):
    """One requested report: who asked, what, how far it got, and the PDF when done."""

    __tablename__ = "report_jobs"
    __table_args__ = (Index("ix_report_jobs_username_id", "username", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))  # who asked; only they download it
    report: Mapped[str] = mapped_column(String(40))
    parameters_json: Mapped[str] = mapped_column(Text, default="{}")
    # queued -> running -> done | failed
    state: Mapped[str] = mapped_column(String(16), index=True)
    progress_percent: Mapped[int] = mapped_column(default=0)
    progress_rows: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(200))
    # The PDF itself, so that whichever process serves the download has it; deferred so
    # that polling the progress never loads it.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_bytes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The runner renews the lease as it works; a running job past it has lost its runner.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
