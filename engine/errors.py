"""The one small hierarchy of refusals the engine raises.

    DomainError(message, rule)      a refusal a user can understand, citing a rule ID
     ├── NotPermitted               a rule or a right forbids it          (HTTP 403, CLI 2)
     ├── NotFound                   no such case, task, person or card    (HTTP 404, CLI 2)
     ├── Conflict                   the state moved on under the caller   (HTTP 409, CLI 2)
     │    └── TaskNotReady          the task was already done (a stale tab, the back button)
     └── Invalid                    the input itself is malformed         (HTTP 422, CLI 2)

Messages are for a service-desk person: Swedish first, English after " / ".
Services raise; adapters (CLI, web) map to exit codes and HTTP statuses.
"""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """A refusal that changes nothing but the audit trail."""

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule

    def to_dict(self) -> dict[str, str | None]:
        return {"rule": self.rule, "message": self.message}


class NotPermitted(DomainError):
    """A rule, a right or four-eyes forbids the action."""


class NotFound(DomainError):
    """The case, task, person, card or process does not exist."""


class Conflict(DomainError):
    """The task or case is no longer in the state the caller saw."""


class TaskNotReady(Conflict):
    """The task is no longer ready: someone completed it, or the case moved past it.

    Carries what a friendly page needs (web/views/tasks.py): the case to link to and, for
    a completed task, who completed it and when.
    """

    def __init__(
        self,
        message: str,
        *,
        case_id: int,
        state: str,
        completed_by: str | None = None,
        completed_at: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.case_id = case_id
        self.state = state
        self.completed_by = completed_by
        self.completed_at = completed_at


class Invalid(DomainError):
    """The input is malformed (a date, a personal number, a form field)."""
