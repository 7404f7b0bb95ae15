"""Bulk-load a region's volume of open cases in exactly the shape `case start` writes.

Why not call `start_case` a million times: at ~40 cases/s on PostgreSQL that is seven
hours. Instead a few REAL cases per organisation are made through the engine (the
templates: a LoA3 case waiting for its second verification, a remote LoA2 order waiting
for the service desk, and a LoA2 case in its renewal loop after the service desk issued
it), and their rows are copied with PostgreSQL COPY, each copy with its own case id,
holder, card, SpiffWorkflow task ids and a start moved back in time. Every string the
engine wrote about the template (its task ids, its holder's number and name, its card, its
times in whatever format: workflow state, case data, audit messages) is replaced by the
copy's own, so a copied case opens, lists and completes as a real one
(tests/integration/test_scale_bench.py proves it).

Only the organisation of the demo region (Region Demo with hemtjanst-demo) is in the demo
admins' scope; the other generated regions hold most cases, as a national installation
would. People scale with cases (0.6 per case: 600,000 at 1,000,000 cases), each employed
in their region's unit (R3).
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.bulk_setup import KINDS  # noqa: E402
from bench.bulk_setup import Region  # noqa: E402
from bench.bulk_setup import TemplateCase  # noqa: E402
from bench.bulk_setup import bench_region_code  # noqa: E402
from bench.bulk_setup import person_identity  # noqa: E402
from bench.bulk_setup import person_name  # noqa: E402
from bench.bulk_setup import prepare_regions  # noqa: E402
from bench.bulk_setup import start_templates  # noqa: E402
from engine.model import AuditEvent  # noqa: E402
from engine.model import Case  # noqa: E402
from engine.model import CaseTask  # noqa: E402
from engine.model import Certificate  # noqa: E402
from engine.model import Organisation  # noqa: E402
from engine.model import Person  # noqa: E402
from engine.model import ReserveCard  # noqa: E402
from engine.model import Timer  # noqa: E402
from engine.policy.timekeeping import STOCKHOLM  # noqa: E402
from engine.services.runtime import Runtime  # noqa: E402

# The instant the templates are made: a Monday evening, outside office hours (R12), so
# every LoA2 issuance moved back within the same evening window stays outside them too.
TEMPLATE_AT = datetime(2026, 11, 23, 22, 0, tzinfo=STOCKHOLM)
# The bench's clock: just after the newest case; every deadline still lies ahead.
BENCH_NOW = TEMPLATE_AT + timedelta(minutes=1)
PEOPLE_PER_CASE = 0.6
CHUNK_CASES = 20_000
# How far back a copy's start moves, per kind (minutes). LoA3: within R7's 5 days;
# renewal loop: whole days plus an evening offset (see `_shift_minutes`), so neither the
# R15 reminder nor the R11 expiry has passed at BENCH_NOW.
MAX_SHIFT_MINUTES = {"loa3": 4 * 24 * 60, "order": 30 * 24 * 60}
RENEWAL_MAX_DAYS = 9
# Cards of copied cases: RK001000 upward (the demo stock is RK000001..RK000050 and the
# generated regions' template cards RK000901..).
FIRST_COPIED_CARD = 1000
EVENING_MINUTES = 6 * 60 + 59  # 22:00 back to 15:01, the first LoA2 minute (R12)

# The copies' task ids end alike in a run (version 4, variant 10): a random tail per run.
_UUID_TAIL = f"4{random.getrandbits(12):03x}-{8 + random.getrandbits(2):x}{random.getrandbits(12):03x}-{random.getrandbits(48):012x}"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(
    r"(?<![\w.])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[+-]\d{2}:\d{2})?)?(?![\w:])"
)


@dataclass(frozen=True)
class LoadReport:
    cases: int
    people: int
    templates: int
    regions: int
    seconds: float
    rows: dict[str, int]


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


# Serial ids the database assigns to copies; case and person ids the loader assigns.
_OMIT = {"timers": {"id"}, "audit_events": {"id"}, "certificates": {"id"}}
_TABLES = {
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
        for name, table in _TABLES.items():
            columns[name] = [c.name for c in table.columns if c.name not in _OMIT.get(name, set())]
            if name == "cases":
                where = table.c.id == template.case_id
            elif name == "reserve_cards":
                where = table.c.number == (template.card_number or "")
            else:
                where = table.c.case_id == template.case_id
            raw[name] = [dict(r) for r in conn.execute(select(table).where(where)).mappings()]
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


def _copied_row(
    cells: list[Cell], copy: Copy, values: dict[str, str], back: timedelta
) -> list[Any]:
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


def _shift_minutes(kind: str, rng: random.Random) -> int:
    if kind == "renewal":
        return rng.randint(0, RENEWAL_MAX_DAYS) * 24 * 60 + rng.randint(0, EVENING_MINUTES)
    return rng.randint(0, MAX_SHIFT_MINUTES[kind])


class BulkLoader:
    """Generates people and copies of the templates, and COPYs them in chunks."""

    def __init__(self, runtime: Runtime, regions: list[Region], seed: int = 8) -> None:
        self.runtime = runtime
        self.regions = regions
        self.rng = random.Random(seed)
        self.rows: dict[str, int] = {}
        self.cards = FIRST_COPIED_CARD

    def _next_card(self) -> str:
        """A card number as the issue form asks for it (RK and six digits)."""
        if self.cards > 999_999:
            raise ValueError("more renewal-loop cases than RK card numbers; lower the mix")
        self.cards += 1
        return f"RK{self.cards - 1:06d}"

    def copy_rows(self, table: str, columns: list[str], rows: list[list[Any]]) -> None:
        if not rows:
            return
        raw = self.runtime.database.engine.raw_connection()
        try:
            cursor = raw.cursor()
            _relax(cursor)
            names = ", ".join(columns)
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        self.rows[table] = self.rows.get(table, 0) + len(rows)

    def load_people(self, count: int, first_id: int) -> None:
        """`count` card users, person i in region i mod R, employed in its unit (R3)."""
        person_cols = ["id", "display_name", "identity_number", "birth_date", "failed_logins"]
        employment_cols = ["person_id", "organisation_id", "title", "start_date"]
        for start in range(0, count, CHUNK_CASES * 2):
            people: list[list[Any]] = []
            employments: list[list[Any]] = []
            for i in range(start, min(count, start + CHUNK_CASES * 2)):
                number, born = person_identity(i)
                people.append([first_id + i, person_name(i), number, born, 0])
                unit = self.regions[i % len(self.regions)].unit_id
                employments.append([first_id + i, unit, "", date(2024, 1, 1)])
            self.copy_rows("people", person_cols, people)
            self.copy_rows("employments", employment_cols, employments)

    def load_cases(
        self,
        count: int,
        first_case_id: int,
        first_person_id: int,
        people: int,
        templates: dict[tuple[int, str], list[TemplateRows]],
        mix: dict[str, float],
        say: Callable[[str], None],
    ) -> None:
        kinds = list(mix)
        weights = [mix[k] for k in kinds]
        n_regions = len(self.regions)
        per_region = max(1, people // n_regions)
        for start in range(0, count, CHUNK_CASES):
            batch: dict[str, list[list[Any]]] = {name: [] for name in _TABLES}
            for i in range(start, min(count, start + CHUNK_CASES)):
                region = i % n_regions
                kind = self.rng.choices(kinds, weights)[0]
                rows = self.rng.choice(templates[(region, kind)])
                # Holder: a person of the same region (person p is in region p mod R).
                p = region + n_regions * ((i // n_regions) % per_region)
                number, _ = person_identity(p)
                case_id = first_case_id + i
                copy = Copy(
                    case_id=case_id,
                    holder_id=first_person_id + p,
                    number=number,
                    name=person_name(p),
                    card=self._next_card() if rows.template.card_number else None,
                    minutes=_shift_minutes(kind, self.rng),
                )
                values = rows.substitution.mapping(copy)
                back = timedelta(minutes=copy.minutes)
                for table, compiled in rows.rows.items():
                    for cells in compiled:
                        batch[table].append(_copied_row(cells, copy, values, back))
            columns = next(iter(templates.values()))[0].columns
            for table in _TABLES:
                self.copy_rows(table, columns[table], batch[table])
            say(f"copied {min(count, start + CHUNK_CASES):,} of {count:,}")


def _relax(cursor: Any) -> None:
    """Skip per-row FK triggers while copying when allowed (a superuser, as on the throwaway
    cluster); the rows are built consistent, and the test checks them through the engine."""
    cursor.execute("SET LOCAL synchronous_commit = off")
    try:
        cursor.execute("SAVEPOINT relax")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("RELEASE SAVEPOINT relax")
    except Exception:
        cursor.execute("ROLLBACK TO SAVEPOINT relax")


def _next_id(runtime: Runtime, column: Any) -> int:
    with runtime.database.sessions() as session:
        return int(session.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1


def _reset_sequences(runtime: Runtime) -> None:
    with runtime.database.engine.begin() as conn:
        for table in ("people", "employments", "cases", "timers", "audit_events", "certificates"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )
        conn.execute(text("ANALYZE"))


DEFAULT_MIX = {"loa3": 0.3, "order": 0.1, "renewal": 0.6}


def bulk_load(
    runtime: Runtime,
    cases: int,
    *,
    regions: int = 20,
    people: int | None = None,
    mix: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load `cases` open cases (the engine-made templates included) into an empty,
    upgraded PostgreSQL database with the demo region loaded and the processes deployed."""
    say = progress or (lambda _m: None)
    began = time.perf_counter()
    mix = mix or DEFAULT_MIX
    people = people if people is not None else max(regions * 4, int(cases * PEOPLE_PER_CASE))
    made = prepare_regions(runtime, TEMPLATE_AT, regions)
    loader = BulkLoader(runtime, made)
    first_person = _next_id(runtime, Person.id)
    say(f"people: {people}")
    loader.load_people(people, first_person)
    _reset_sequences(runtime)
    say("templates through the engine")
    made_templates = start_templates(runtime, TEMPLATE_AT, made)
    templates: dict[tuple[int, str], list[TemplateRows]] = {}
    for made_template in made_templates:
        key = (made_template.region, made_template.kind)
        templates.setdefault(key, []).append(read_template(runtime, made_template))
    missing = [(r, k) for r in range(len(made)) for k in KINDS if (r, k) not in templates]
    assert not missing, f"no template for {missing}"
    copies = cases - len(made_templates)
    if copies < 0:
        raise ValueError(f"--cases must be at least {len(made_templates)} (the templates)")
    say(f"copies: {copies}")
    loader.load_cases(copies, _next_id(runtime, Case.id), first_person, people, templates, mix, say)
    _reset_sequences(runtime)
    rows = dict(loader.rows)
    rows["cases"] = rows.get("cases", 0) + len(made_templates)
    return LoadReport(
        cases=cases,
        people=people,
        templates=len(made_templates),
        regions=len(made),
        seconds=time.perf_counter() - began,
        rows=rows,
    )


def loaded_cases(runtime: Runtime) -> int:
    """The number of cases when the bench's regions are already there, else 0."""
    with runtime.database.sessions() as session:
        found = session.scalars(
            select(Organisation).where(Organisation.code == bench_region_code(1))
        ).first()
        if found is None:
            return 0
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)
