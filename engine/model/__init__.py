"""The persisted domain: organisations, people, cards, cases, timers, audit, outbox and incidents.

SQLAlchemy 2 declarative classes. Instants are stored as UTC (see `UTCDateTime`) and
judged in Europe/Stockholm by the policy package.
"""

from __future__ import annotations

from engine.model.base import Base
from engine.model.cards import Certificate
from engine.model.cards import ReserveCard
from engine.model.cases import Case
from engine.model.cases import CaseTask
from engine.model.cases import DecisionVersion
from engine.model.cases import ProcessDefinition
from engine.model.cases import ProcessVersion
from engine.model.cases import Timer
from engine.model.drafts import ProcessDraft
from engine.model.drafts import ProcessScenario
from engine.model.operations import WorkerHeartbeat
from engine.model.organisation import CardStation
from engine.model.organisation import ClosingDay
from engine.model.organisation import OpeningHours
from engine.model.organisation import Organisation
from engine.model.people import AdminRight
from engine.model.people import ApiToken
from engine.model.people import Employment
from engine.model.people import Person
from engine.model.people import WebSession
from engine.model.records import AuditChainHead
from engine.model.records import AuditEvent
from engine.model.records import Incident
from engine.model.records import OutboxMessage
from engine.model.registers import AdminRoster
from engine.model.registers import OrganisationSetting
from engine.model.report_jobs import ReportJob
from engine.model.revocations import CardRevocation

__all__ = [
    "AdminRight",
    "AdminRoster",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "CardRevocation",
    "CardStation",
    "Case",
    "CaseTask",
    "Certificate",
    "ClosingDay",
    "DecisionVersion",
    "Employment",
    "Incident",
    "OpeningHours",
    "Organisation",
    "OrganisationSetting",
    "OutboxMessage",
    "Person",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessScenario",
    "ProcessVersion",
    "ReportJob",
    "ReserveCard",
    "Timer",
    "WebSession",
    "WorkerHeartbeat",
]
