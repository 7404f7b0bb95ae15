"""The persisted domain: organisations, people, cards, cases, timers, audit and outbox.

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
from engine.model.organisation import CardStation
from engine.model.organisation import ClosingDay
from engine.model.organisation import OpeningHours
from engine.model.organisation import Organisation
from engine.model.people import AdminRight
from engine.model.people import ApiToken
from engine.model.people import Employment
from engine.model.people import Person
from engine.model.records import AuditEvent
from engine.model.records import OutboxMessage

__all__ = [
    "AdminRight",
    "ApiToken",
    "AuditEvent",
    "Base",
    "CardStation",
    "Case",
    "CaseTask",
    "Certificate",
    "ClosingDay",
    "DecisionVersion",
    "Employment",
    "OpeningHours",
    "Organisation",
    "OutboxMessage",
    "Person",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessScenario",
    "ProcessVersion",
    "ReserveCard",
    "Timer",
]
