"""Swedish by default, English on request: catalogues, dates in Stockholm, bilingual messages.

The .po files in web/translations are the source; they are compiled to .mo into the
instance folder at every start (no build step, no network, never stale). Messages from
the engine carry both languages ("svenska / English"); `localized` picks one.
"""

from __future__ import annotations

import os
import threading
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask import request
from flask import session
from flask_babel import Babel
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import ngettext

from engine.forms import FormRegistry
from engine.policy.timekeeping import to_local
from engine.rights import ROLE_LABELS
from engine.rights import role_label
from engine.services.inbox import Deadline
from web.labels import element_label
from web.labels import label
from web.labels import legacy_note
from web.labels import organisation_name
from web.labels import process_name
from web.labels import station_name
from web.labels import step_title
from web.timer_status import left_of
from web.timer_status import overdue_by

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
TIME_ZONE = "Europe/Stockholm"
SOURCE_DIR = Path(__file__).resolve().parent / "translations"


def init_app(app: Flask) -> None:
    compiled = Path(app.instance_path) / "translations"
    compile_catalogues(SOURCE_DIR, compiled)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = TIME_ZONE
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    Babel(app, locale_selector=language, timezone_selector=lambda: TIME_ZONE)
    app.jinja_env.filters.update(
        local=format_local,
        day=format_day,
        time_left=time_left,
        localized=localized,
        role=role_name,
        label=label,
        organisation=organisation_name,
        station=station_name,
        process=process_name,
        overdue=overdue_text,
    )
    app.jinja_env.globals.update(
        task_title=task_title, element_label=element_label, step_title=step_title
    )
    app.jinja_env.globals.update(language=language, LANGUAGES=LANGUAGES)


def compile_catalogues(source: Path, target: Path) -> None:
    """Compile every `<lang>/LC_MESSAGES/messages.po` under `source` into `target`."""
    for po_path in source.glob("*/LC_MESSAGES/messages.po"):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parts[-3])
        # Written aside and renamed: the web processes of `sithsflow serve` all compile at
        # start, and none may read another's half-written file.
        partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.{threading.get_ident()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalogue)
        os.replace(partial, mo_path)


def language() -> str:
    """The chosen language of this session, Swedish unless English was picked."""
    chosen = session.get("lang") if request else None
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def localized(message: str) -> str:
    """The current language's half of an engine message "svenska / English"."""
    sv, separator, en = legacy_note(message).partition(" / ")
    if not separator:
        return message
    return en if language() == "en" else sv


def task_title(process: str, task: str, fallback: str, forms: FormRegistry | None = None) -> str:
    """A task's name in the session's language: its form's title, else the BPMN name.

    `forms`: the forms of the case's own version, where the page has them (issue 9).
    """
    from web.context import runtime

    form = (forms or runtime().forms).get(process, task)
    return form.title(language()) if form is not None else fallback


def role_name(role: str | None) -> str:
    """A BPMN lane's role as engine.rights names it; "system" and "login" from web.labels."""
    if role is None or role in ROLE_LABELS:
        return role_label(role, language())
    return label(role, "role")


def format_local(value: datetime | str | None) -> str:
    """An instant as Stockholm wall-clock time with the weekday: "mån 2026-11-23 15:01"."""
    if value is None or value == "":
        return "—"
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    if at.tzinfo is None:
        return at.strftime("%Y-%m-%d %H:%M")
    return str(format_datetime(to_local(at), "EEE yyyy-MM-dd HH:mm"))


def format_day(value: date | str | None) -> str:
    if value is None or value == "":
        return "—"
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return str(format_date(day, "yyyy-MM-dd"))


def time_left(deadline: Deadline | None) -> str:
    """ "4 d 3 h kvar av 5 dagar": whole days and hours left of the deadline's length;
    "25 min kvar …" in its last hour, "försenad 2 h" once it has passed."""
    if deadline is None:
        return ""
    if deadline.remaining <= timedelta(0):
        return overdue_by(-deadline.remaining)
    return str(
        ngettext(
            "%(left)s left of %(num)d day",
            "%(left)s left of %(num)d days",
            deadline.total_days,
            left=left_of(deadline.remaining),
        )
    )


def overdue_text(due_at: datetime | str | None) -> str:
    """ "försenad 1 d 2 h" for a due time that has passed on the page's clock, else ""."""
    from web.context import clock

    if due_at is None or due_at == "":
        return ""
    due = datetime.fromisoformat(due_at) if isinstance(due_at, str) else due_at
    now = clock().now()
    return overdue_by(now - due) if due <= now else ""
