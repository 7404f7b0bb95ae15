"""The operators' registers in the API, as `sithsflow stock|employment|closing-day|
organisation|roster …` have them: card stock (R2), employments and their import (R3, R19),
local closing days, dated organisation settings (R14, R20, R22 under S6) and admin rosters
(R8).

Who may change (or, for stock and employments, read) a register is the engine's
(engine.services.registers.common: the owning roles); closing days, rosters and settings
are no personal data and every token holder reads them, as at the command line. Lists
are keyset pages (engine.services.paging); every change is audited by its service.
Answers carry the CLI's JSON keys.
"""

from __future__ import annotations

from dataclasses import fields
from dataclasses import is_dataclass
from datetime import date
from datetime import datetime
from typing import Any

from flask import request

from engine.errors import Invalid
from engine.inputs import is_storable_text
from engine.policy.timekeeping import local_midnight
from engine.policy.timekeeping import parse_date_or_instant
from engine.policy.timekeeping import parse_instant
from engine.policy.timekeeping import require_supported_day
from engine.policy.timekeeping import to_local
from engine.services.registers import closing_days
from engine.services.registers import employment_import
from engine.services.registers import employments
from engine.services.registers import organisation_settings
from engine.services.registers import rosters
from engine.services.registers import stock
from engine.services.registers.common import parse_day
from web.api.context import clock
from web.api.context import identity
from web.api.context import json_object
from web.api.context import page_cursor
from web.api.context import page_limit
from web.api.context import refuse_unknown_keys
from web.api.context import required_text
from web.api.context import runtime
from web.api.register_openapi import MAX_TEXT
from web.api.routes import api_blueprint

Json = dict[str, Any]


def plain(value: Any) -> Any:
    """A service's dataclass as JSON: dates as 2026-11-30, instants in local time (as the CLI)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return to_local(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- card stock (R2): the service desk and system administrators --------------------


@api_blueprint.get("/stock")
def list_stock() -> Json:
    page = stock.list_stock(
        runtime(),
        clock(),
        identity().username,
        state=_query_text("state"),
        cursor=page_cursor(),
        limit=page_limit(),
    )
    return {"cards": plain(page.items), "next_cursor": page.next_cursor}


@api_blueprint.post("/stock/receive")
def receive_stock() -> tuple[Json, int]:
    """Blank cards `first`..`last` into the organisation's stock, produced on a day (R2)."""
    body = json_object()
    refuse_unknown_keys(body, "first", "last", "organisation", "produced_on")
    receipt = stock.receive(
        runtime(),
        clock(),
        identity().username,
        _text(body, "first"),
        _text(body, "last"),
        _text(body, "organisation"),
        _day(body, "produced_on"),
    )
    return {"received": plain(receipt)}, 201


@api_blueprint.post("/stock/<number>/scrap")
def scrap_card(number: str) -> Json:
    body = json_object()
    refuse_unknown_keys(body, "reason")
    card = stock.scrap(
        runtime(), clock(), identity().username, _path(number), _text(body, "reason")
    )
    return {"card": plain(card)}


# --- employments (R3) and their end (R19): the service desk and system administrators


@api_blueprint.get("/employments")
def list_employments() -> Json:
    page = employments.list_employments(
        runtime(),
        clock(),
        identity().username,
        organisation=_query_text("organisation"),
        cursor=page_cursor(),
        limit=page_limit(),
    )
    return {"employments": plain(page.items), "next_cursor": page.next_cursor}


@api_blueprint.post("/employments")
def add_employment() -> tuple[Json, int]:
    body = json_object()
    refuse_unknown_keys(body, "holder", "organisation", "start_date", "end_date", "title")
    row = employments.add_employment(
        runtime(),
        clock(),
        identity().username,
        _text(body, "holder"),
        _text(body, "organisation"),
        _day(body, "start_date"),
        _day(body, "end_date") if body.get("end_date") is not None else None,
        _text(body, "title", required=False),
    )
    return {"employment": plain(row)}, 201


@api_blueprint.post("/employments/<int:employment_id>/end")
def end_employment(employment_id: int) -> Json:
    """The last day of an employment (R3); it starts or moves its employment-end case (R19)."""
    body = json_object()
    refuse_unknown_keys(body, "ends_on")
    row = employments.end_employment(
        runtime(), clock(), identity().username, employment_id, _day(body, "ends_on")
    )
    return {"employment": plain(row)}


@api_blueprint.post("/employments/import")
def import_employments() -> Json:
    """A directory export (`csv`), all or nothing; `dry_run` says what would change."""
    body = json_object()
    refuse_unknown_keys(body, "csv", "dry_run")
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise Invalid("'dry_run' ska vara true eller false. / 'dry_run' must be true or false.")
    csv = body.get("csv")
    if not isinstance(csv, str) or not csv.strip():
        raise Invalid("'csv' saknas eller är tom. / 'csv' is missing or empty.")
    result = employment_import.import_employments(
        runtime(), clock(), identity().username, csv, dry_run=dry_run
    )
    return {
        "changes": plain(result.changes),
        "unchanged": result.unchanged,
        "applied": result.applied,
        "end_cases": plain(result.end_cases),
    }


# --- local closing days: process owners and system administrators change them --------


@api_blueprint.get("/closing-days")
def list_closing_days() -> Json:
    page = closing_days.closing_days_page(
        runtime(),
        _query_day("from"),
        _query_day("to"),
        cursor=page_cursor(),
        limit=page_limit(),
    )
    return {"closing_days": plain(page.items), "next_cursor": page.next_cursor}


@api_blueprint.post("/closing-days")
def add_closing_day() -> tuple[Json, int]:
    """A closed day for everyone, a card station or an organisation's stations."""
    body = json_object()
    refuse_unknown_keys(body, "day", "reason", "station", "organisation")
    row = closing_days.add_closing_day(
        runtime(),
        clock(),
        identity().username,
        _day(body, "day"),
        _text(body, "reason"),
        station=_text(body, "station", required=False) or None,
        organisation=_text(body, "organisation", required=False) or None,
    )
    return {"closing_day": plain(row)}, 201


@api_blueprint.post("/closing-days/<int:closing_day_id>/remove")
def remove_closing_day(closing_day_id: int) -> Json:
    row = closing_days.remove_closing_day(runtime(), clock(), identity().username, closing_day_id)
    return {"closing_day": plain(row)}


# --- organisation settings (R14, R20, R22; S6): process owners, system administrators -


@api_blueprint.get("/organisations/<code>/settings")
def show_settings(code: str) -> Json:
    shown = organisation_settings.show_settings(runtime(), clock(), _path(code))
    return {"organisation": plain(shown)}


@api_blueprint.post("/organisations/<code>/settings")
def set_setting(code: str) -> Json:
    """One setting from a date (S6: never before today; default today)."""
    body = json_object()
    refuse_unknown_keys(body, "setting", "value", "effective_from")
    value = body.get("value")
    if not isinstance(value, bool):
        raise Invalid("'value' ska vara true eller false. / 'value' must be true or false.")
    effective = body.get("effective_from")
    shown = organisation_settings.set_setting(
        runtime(),
        clock(),
        identity().username,
        _path(code),
        _text(body, "setting"),
        value,
        _day(body, "effective_from") if effective is not None else None,
    )
    return {"organisation": plain(shown)}


# --- admin rosters (R8): managers and system administrators change them -------------


@api_blueprint.get("/rosters")
def list_shifts() -> Json:
    page = rosters.shifts_page(
        runtime(),
        _query_instant("from"),
        _query_instant("to"),
        _query_text("station"),
        cursor=page_cursor(),
        limit=page_limit(),
    )
    return {"shifts": plain(page.items), "next_cursor": page.next_cursor}


@api_blueprint.post("/rosters")
def add_shift() -> tuple[Json, int]:
    body = json_object()
    refuse_unknown_keys(body, "admin", "station", "starts_at", "ends_at")
    shift = rosters.add_shift(
        runtime(),
        clock(),
        identity().username,
        _text(body, "admin"),
        _text(body, "station"),
        parse_instant(_text(body, "starts_at")),
        parse_instant(_text(body, "ends_at")),
    )
    return {"shift": plain(shift)}, 201


@api_blueprint.post("/rosters/<int:shift_id>/remove")
def remove_shift(shift_id: int) -> Json:
    shift = rosters.remove_shift(runtime(), clock(), identity().username, shift_id)
    return {"shift": plain(shift)}


# --- reading the request ----------------------------------------------------------------


def _text(body: Json, key: str, *, required: bool = True) -> str:
    """A text field of at most MAX_TEXT characters; an optional one left out is ''."""
    if not required and body.get(key) is None:
        return ""
    text = required_text(body, key)
    if len(text) > MAX_TEXT:
        raise Invalid(
            f"'{key}' är längre än {MAX_TEXT} tecken. / '{key}' is longer than {MAX_TEXT} "
            f"characters."
        )
    return text


def _day(body: Json, key: str) -> date:
    return _supported_day(required_text(body, key), key)


def _supported_day(text: str, key: str) -> date:
    day = parse_day(text, f"'{key}'", f"'{key}'")
    require_supported_day(day, text)
    return day


def _query_text(name: str) -> str | None:
    text = request.args.get(name) or None
    if text is not None and not is_storable_text(text):
        raise _unstorable(name)
    return text


def _query_day(name: str) -> date:
    text = _query_text(name)
    if text is None:
        raise Invalid(f"'{name}' saknas. / '{name}' is missing.")
    return _supported_day(text, name)


def _query_instant(name: str) -> datetime:
    """A date (its local midnight) or an aware ISO time, as `--from`/`--to` take."""
    text = _query_text(name)
    if text is None:
        raise Invalid(f"'{name}' saknas. / '{name}' is missing.")
    parsed = parse_date_or_instant(text)
    return parsed if isinstance(parsed, datetime) else local_midnight(parsed)


def _path(text: str) -> str:
    if not is_storable_text(text):
        raise _unstorable("path")
    return text


def _unstorable(name: str) -> Invalid:
    return Invalid(
        f"'{name}' innehåller ett tecken som inte kan sparas. / '{name}' contains a character "
        f"that cannot be stored."
    )
