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

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.bulk_copy import TABLES  # noqa: E402
from bench.bulk_copy import Copy  # noqa: E402
from bench.bulk_copy import TemplateRows  # noqa: E402
from bench.bulk_copy import copied_row  # noqa: E402
from bench.bulk_copy import read_template  # noqa: E402
from bench.bulk_setup import KINDS  # noqa: E402
from bench.bulk_setup import TEMPLATE_AT  # noqa: E402
from bench.bulk_setup import Region  # noqa: E402
from bench.bulk_setup import TemplateCase  # noqa: E402
from bench.bulk_setup import bench_region_code  # noqa: E402
from bench.bulk_setup import person_identity  # noqa: E402
from bench.bulk_setup import person_name  # noqa: E402
from bench.bulk_setup import prepare_regions  # noqa: E402
from bench.bulk_setup import start_templates  # noqa: E402
from engine.model import Case  # noqa: E402
from engine.model import Organisation  # noqa: E402
from engine.model import Person  # noqa: E402
from engine.services.runtime import Runtime  # noqa: E402

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


@dataclass(frozen=True)
class LoadReport:
    cases: int
    people: int
    templates: int
    regions: int
    seconds: float
    rows: dict[str, int]


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
            batch: dict[str, list[list[Any]]] = {name: [] for name in TABLES}
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
                        batch[table].append(copied_row(cells, copy, values, back))
            columns = next(iter(templates.values()))[0].columns
            for table in TABLES:
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
    indexes = _drop_secondary_indexes(runtime)
    try:
        say(f"people: {people}")
        loader.load_people(people, first_person)
        _reset_sequences(runtime)
        made_templates = _copy_templates(
            runtime, loader, made, cases, first_person, people, mix, say
        )
    finally:
        say(f"building {len(indexes)} indexes")
        _create_indexes(runtime, indexes)
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


def _copy_templates(
    runtime: Runtime,
    loader: BulkLoader,
    made: list[Region],
    cases: int,
    first_person: int,
    people: int,
    mix: dict[str, float],
    say: Callable[[str], None],
) -> list[TemplateCase]:
    """Make the template cases through the engine, then copy them up to `cases` in all."""
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
    return made_templates


# The tables the loader fills with COPY.
_LOADED_TABLES = ("people", "employments", *TABLES)
_SECONDARY_INDEXES = text(
    """
    SELECT i.indexname, i.indexdef FROM pg_indexes i
    JOIN pg_namespace n ON n.nspname = i.schemaname
    JOIN pg_class c ON c.relname = i.indexname AND c.relnamespace = n.oid
    WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
    """
)


def _drop_secondary_indexes(runtime: Runtime) -> list[str]:
    """Drop the plain indexes (not those behind a primary key or unique constraint) of the
    loaded tables, whatever migrations made them: building each once after the COPY is
    cheaper than updating it row by row. Returns their definitions to build them again."""
    with runtime.database.engine.begin() as conn:
        found = conn.execute(_SECONDARY_INDEXES, {"tables": list(_LOADED_TABLES)}).all()
        for name, _ in found:
            conn.execute(text(f'DROP INDEX "{name}"'))
    return [str(definition) for _, definition in found]


def _create_indexes(runtime: Runtime, definitions: list[str]) -> None:
    with runtime.database.engine.begin() as conn:
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for definition in definitions:
            conn.execute(text(definition))


def loaded_cases(runtime: Runtime) -> int:
    """The number of cases when the bench's regions are already there, else 0."""
    with runtime.database.sessions() as session:
        found = session.scalars(
            select(Organisation).where(Organisation.code == bench_region_code(1))
        ).first()
        if found is None:
            return 0
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)
