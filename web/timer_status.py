"""What a case's timers and deadlines mean to a reader: met, waiting, overdue or fired.

The engine keeps a timer's technical status: `cancelled` when the task it guards was
completed in time (or the case was cancelled), `waiting` until the sweep fires it, even a
little after its due time. Shown as they are, a met deadline reads as a red "Avbruten" and
one just passed as "0 d 0 h kvar". This module says what happened instead: "In time"
(green, with when the task was done), "Overdue by 1 d 2 h" (red) until the sweep runs,
"Cancelled" only when the case was.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask_babel import gettext
from flask_babel import pgettext

from engine.bpmn_names import ElementName
from web.labels import label
from web.labels import timer_name

MET = "met"
OVERDUE = "overdue"


@dataclass(frozen=True)
class TimerLine:
    """One timer as the case page lists it."""

    name: str
    rule: str | None
    due_at: str | None
    state: str  # a CSS state: the timer status, or "met" / "overdue"
    text: str  # the pill's words
    detail: str  # when it was met or fired, or how late it is


def timer_lines(
    timers: Sequence[Mapping[str, Any]],
    tasks: Sequence[Mapping[str, Any]],
    names: Mapping[str, ElementName],
    attached_to: Mapping[str, str],
    case_state: str,
    now: datetime,
) -> list[TimerLine]:
    """The case's timers with their meaning; `attached_to`: boundary event -> its task."""
    from web.i18n import format_local

    lines = []
    for timer in timers:
        status, due = timer["status"], _instant(timer["due_at"])
        state, text, detail = status, label(status, "timer"), ""
        met_at = _met_at(timer, tasks, attached_to.get(timer["name"]), due)
        if status == "cancelled" and met_at is not None and case_state != "cancelled":
            state, text = MET, pgettext("deadline", "In time")
            detail = gettext("done %(when)s", when=format_local(met_at))
        elif status == "waiting" and due is not None and due <= now:
            state, text = OVERDUE, pgettext("deadline", "Overdue")
            detail = overdue_by(now - due)
        elif status == "fired" and timer.get("fired_at"):
            detail = format_local(timer["fired_at"])
        lines.append(
            TimerLine(
                timer_name(names, timer["name"]),
                timer.get("rule"),
                timer["due_at"],
                state,
                text,
                detail,
            )
        )
    return lines


def overdue_by(late: timedelta) -> str:
    """ "overdue by 1 d 2 h" ("försenad 1 d 2 h"); under an hour in minutes."""
    return str(gettext("overdue by %(span)s", span=_span(late)))


def left_of(remaining: timedelta) -> str:
    """The time left as days and hours, in minutes when under an hour."""
    return _span(remaining)


def _span(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days == 0 and hours == 0:
        return str(gettext("%(m)d min", m=max(1, rest // 60)))
    return str(gettext("%(d)d d %(h)d h", d=days, h=hours))


def _met_at(
    timer: Mapping[str, Any],
    tasks: Sequence[Mapping[str, Any]],
    task_name: str | None,
    due: datetime | None,
) -> datetime | None:
    """When the guarded task was completed at or before the timer's due time, if it was."""
    if task_name is None:
        return None
    done = [
        _instant(t["completed_at"])
        for t in tasks
        if t["name"] == task_name and t["state"] == "completed" and t.get("completed_at")
    ]
    in_time = [at for at in done if at is not None and (due is None or at <= due)]
    return max(in_time) if in_time else None


def _instant(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    return datetime.fromisoformat(value) if isinstance(value, str) else value
