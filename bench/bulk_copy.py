"""Copying one engine-made case: its rows compiled once, filled in per copy.

Every string the engine wrote about the template case (its SpiffWorkflow task ids, its
holder's number and name, its card, its times in whatever format: workflow state, case
data, audit rows) is split once at those tokens; a copy joins the pieces with its own
values. Ids the copy changes (case, holder) and instants (moved back) are cells of their
own; the workflow state is compressed as engine.services.progress stores it.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bench.bulk_setup import TEMPLATE_AT
from bench.bulk_setup import TemplateCase
from engine.model import AuditEvent
from engine.model import Case
from engine.model import CaseTask
from engine.model import Certificate
from engine.model import ReserveCard
from engine.model import Timer
from engine.policy.timekeeping import STOCKHOLM
from engine.services.runtime import Runtime

# The copies' task ids end alike in a run (version 4, variant 10): a random tail per run.
_UUID_TAIL = (
    f"4{random.getrandbits(12):03x}-{8 + random.getrandbits(2):x}{random.getrandbits(12):03x}"
    f"-{random.getrandbits(48):012x}"
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(
    r"(?<![\w.])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[+-]\d{2}:\d{2})?)?(?![\w:])"
)


# --- time tokens ------------------------------------------------------------------


def _time_formatter(token: str) -> Callable[[int], str]:
    """A function moving `token` back by some minutes, written in the token's own format."""
    if len(token) == 10:  # a date as typed in a form ("2026-12-07")
        day = date.fromisoformat(token)
        base = datetime.combine(day, TEMPLATE_AT.timetz())
        return lambda m: (base - timedelta(minutes=m)).date().isoformat()
    sep = token[10]
    if token[-6] in "+-" and token[-3] == ":":
        at = datetime.fromisoformat(token.replace(" ", "T"))
        utc = at.utcoffset() == timedelta(0)

        def aware(m: int) -> str:
            moved = at - timedelta(minutes=m)
            moved = moved.astimezone(UTC) if utc else moved.astimezone(STOCKHOLM)
            return moved.isoformat(sep=sep, timespec="seconds")

        return aware
    # A local wall time without offset, as audit messages print it ("2026-11-28 15:01").
    local = datetime.fromisoformat(token.replace(" ", "T")).replace(tzinfo=STOCKHOLM)
    pattern = "%Y-%m-%d" + sep + ("%H:%M:%S" if len(token) > 16 else "%H:%M")
    return lambda m: (local - timedelta(minutes=m)).astimezone(STOCKHOLM).strftime(pattern)


class Substitution:
    """One template's strings, split once at every token the copy replaces."""

    def __init__(self, template: TemplateCase, texts: list[str]) -> None:
        found_uuids: set[str] = set()
        found_times: set[str] = set()
        for value in texts:
            found_uuids.update(_UUID.findall(value))
            found_times.update(_TIME.findall(value))
        self.uuids = sorted(found_uuids)
        self.times = {token: _time_formatter(token) for token in found_times}
        self.holder = template.holder_number
        self.names = {template.holder_name: False, _json_escaped(template.holder_name): True}
        self.card = template.card_number
        tokens = [*self.uuids, *self.times, self.holder, *self.names]
        if self.card:
            tokens.append(self.card)
        tokens.sort(key=len, reverse=True)
        self.pattern = re.compile("(" + "|".join(re.escape(t) for t in tokens) + ")")
        self._time_cache: dict[tuple[str, int], str] = {}

    def split(self, value: str) -> list[str] | None:
        """Literals at even positions, tokens at odd ones; None when nothing to replace."""
        parts = self.pattern.split(value)
        return parts if len(parts) > 1 else None

    def mapping(self, copy: Copy) -> dict[str, str]:
        # SpiffWorkflow task ids: unique per (case, task), in uuid4's shape.
        values = {u: f"{copy.case_id:08x}-{i:04x}-{_UUID_TAIL}" for i, u in enumerate(self.uuids)}
        for token, formatter in self.times.items():
            key = (token, copy.minutes)
            cached = self._time_cache.get(key)
            if cached is None:
                cached = self._time_cache[key] = formatter(copy.minutes)
            values[token] = cached
        values[self.holder] = copy.number
        for token, escaped in self.names.items():
            values[token] = _json_escaped(copy.name) if escaped else copy.name
        if self.card and copy.card:
            values[self.card] = copy.card
        return values


def _joined(parts: list[str], values: dict[str, str]) -> str:
    return "".join([values[p] if i & 1 else p for i, p in enumerate(parts)])


def _json_escaped(value: str) -> str:
    return json.dumps(value)[1:-1]


# --- templates as rows --------------------------------------------------------------

_CONST, _CASE, _HOLDER, _SHIFT, _TEXT, _STATE = range(6)
Cell = tuple[int, Any]


@dataclass
class TemplateRows:
    """A real case's rows, compiled cell by cell into what each copy changes."""

    template: TemplateCase
    columns: dict[str, list[str]]
    rows: dict[str, list[list[Cell]]]
    substitution: Substitution


# Serial ids the database assigns to copies; case and person ids the loader assigns. Copied
# audit rows stay outside the audit hash chain (a synthetic load; `audit verify` says so).
_OMIT = {
    "timers": {"id"},
    "audit_events": {"id", "chain_seq", "chain_hash"},
    "certificates": {"id"},
}
TABLES = {
    "cases": Case.__table__,
    "case_tasks": CaseTask.__table__,
    "timers": Timer.__table__,
    "audit_events": AuditEvent.__table__,
    "reserve_cards": ReserveCard.__table__,
    "certificates": Certificate.__table__,
}


def read_template(runtime: Runtime, template: TemplateCase) -> TemplateRows:
    raw: dict[str, list[dict[str, Any]]] = {}
    columns: dict[str, list[str]] = {}
    with runtime.database.engine.connect() as conn:
        for name, table in TABLES.items():
            columns[name] = [c.name for c in table.columns if c.name not in _OMIT.get(name, set())]
            if name == "cases":
                where = table.c.id == template.case_id
            elif name == "reserve_cards":
                where = table.c.number == (template.card_number or "")
            else:
                where = table.c.case_id == template.case_id
            # In id order: copies get new serial ids in the order they are written, and a
            # case's history is read back in id order.
            ordered = select(table).where(where).order_by(*table.primary_key.columns)
            raw[name] = [dict(r) for r in conn.execute(ordered).mappings()]
    state_text = zlib.decompress(raw["cases"][0]["workflow_state"]).decode()
    texts = [state_text] + [
        v for rows in raw.values() for row in rows for v in row.values() if isinstance(v, str)
    ]
    substitution = Substitution(template, texts)
    compiled = {
        name: [_compile(name, columns[name], row, substitution, state_text) for row in rows]
        for name, rows in raw.items()
    }
    return TemplateRows(template, columns, compiled, substitution)


def _compile(
    table: str, columns: list[str], row: dict[str, Any], sub: Substitution, state: str
) -> list[Cell]:
    cells: list[Cell] = []
    for column in columns:
        value = row[column]
        parts = sub.split(value) if isinstance(value, str) else None
        if column == "case_id" or (table == "cases" and column == "id"):
            cells.append((_CASE, None))
        elif column == "holder_id":
            cells.append((_HOLDER, None))
        elif column == "workflow_state":
            cells.append((_STATE, sub.split(state) or [state]))
        elif isinstance(value, datetime):
            cells.append((_SHIFT, value.astimezone(UTC).replace(tzinfo=None)))
        elif parts is not None:
            cells.append((_TEXT, parts))
        else:
            cells.append((_CONST, value))
    return cells


# --- copying ------------------------------------------------------------------------


@dataclass(frozen=True)
class Copy:
    case_id: int
    holder_id: int
    number: str
    name: str
    card: str | None
    minutes: int


def copied_row(cells: list[Cell], copy: Copy, values: dict[str, str], back: timedelta) -> list[Any]:
    out: list[Any] = []
    for kind, data in cells:
        if kind == _CONST:
            out.append(data)
        elif kind == _SHIFT:
            out.append(data - back)
        elif kind == _TEXT:
            out.append(_joined(data, values))
        elif kind == _CASE:
            out.append(copy.case_id)
        elif kind == _HOLDER:
            out.append(copy.holder_id)
        else:  # the workflow state, compressed as engine.services.progress stores it
            out.append(zlib.compress(_joined(data, values).encode(), 6))
    return out
