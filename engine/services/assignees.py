"""A task for one named person (R20: each attester attests in their own step).

A user task's `assignee` property names a case data field that holds a user name
(`assignee="next_attester"`). The task's row then carries that person's id, and
engine.services.may_work lets that person alone work it, whatever the lane.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.model import Person

ASSIGNEE_PROPERTY = "assignee"


def assignee_id(
    session: Session, properties: Mapping[str, str], data: Callable[[], dict[str, Any]]
) -> int | None:
    """The id of the person the task's `assignee` field names; None without the property.

    `data` is called only for such a task, so other tasks pay nothing. A field naming
    nobody gives None: the task falls back to its lane (for `card_user`, nobody).
    """
    field = properties.get(ASSIGNEE_PROPERTY)
    if not field:
        return None
    username = str(data().get(field) or "")
    found = session.scalar(_PERSON_ID, {"username": username})
    return int(found) if found is not None else None


_PERSON_ID = select(Person.id).where(Person.username == bindparam("username"))
