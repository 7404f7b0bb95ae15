"""What the global options decided, shared by every command module.

The options are checked here before anything is touched, so that bad input is refused
(exit 2) with a sentence instead of failing deep inside as an internal fault (issue 10):
a database URL of a dialect sithsflow does not run on, a SQLite file that does not exist
(only `db init` may create one), a clock outside the supported dates, an id past the
database's integers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import click
from sqlalchemy.engine import URL
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import DatabaseError

from engine.clock import Clock
from engine.clock import FixedClock
from engine.clock import OffsetClock
from engine.clock import SystemClock
from engine.errors import Invalid
from engine.errors import NotFound
from engine.inputs import LARGEST_ID
from engine.policy.timekeeping import parse_instant
from engine.schema import upgrade_schema
from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap

SUPPORTED_DRIVERS = {"sqlite": {"pysqlite"}, "postgresql": {"psycopg"}}
URL_EXAMPLES = "sqlite:///sökväg/sithsflow.db, postgresql+psycopg://user@host/db"
URL_EXAMPLES_EN = "sqlite:///path/sithsflow.db, postgresql+psycopg://user@host/db"


if TYPE_CHECKING:
    # click 8.3 made ParamType generic; older click, which pyproject allows, is not.
    _IntParamType = click.ParamType[int, Any]
else:
    _IntParamType = click.ParamType


class RecordId(_IntParamType):
    """A case id, version or other row number: a whole number a row can have.

    A number past LARGEST_ID cannot name a row, so it is refused as not found (exit 2)
    rather than sent to the database; a word is refused by click as not a number.
    """

    name = "integer"

    def __init__(self, what_sv: str, what_en: str) -> None:
        self.what_sv = what_sv
        self.what_en = what_en

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).strip(), 10)
            except ValueError:
                self.fail(f"'{value}' är inget heltal. / '{value}' is not a whole number.")
        if not 0 <= number <= LARGEST_ID:
            raise NotFound(
                f"Inget hittades med nummer {number} ({self.what_sv}). / "
                f"Nothing was found with number {number} ({self.what_en})."
            )
        return number


def check_database_url(text: str, *, may_create: bool) -> URL:
    """Refuse a URL sithsflow cannot run on, and a SQLite file that is not there.

    A mistyped `--db` path used to create folders and an empty database and answer as if
    all were well; only `db init` (`may_create`) creates a database file now.
    """
    try:
        url = make_url(text)
    except ArgumentError as error:
        raise Invalid(
            f"Ogiltig databas-URL '{text}'; skriv t.ex. {URL_EXAMPLES}. / "
            f"Invalid database URL '{text}'; write e.g. {URL_EXAMPLES_EN}."
        ) from error
    drivers = SUPPORTED_DRIVERS.get(url.get_backend_name())
    if drivers is None or url.get_driver_name() not in drivers:
        raise Invalid(
            f"Databasen '{url.drivername}' stöds inte; använd SQLite eller PostgreSQL med "
            f"psycopg, t.ex. {URL_EXAMPLES}. / The database '{url.drivername}' is not "
            f"supported; use SQLite or PostgreSQL with psycopg, e.g. {URL_EXAMPLES_EN}."
        )
    if url.get_backend_name() == "sqlite" and not may_create:
        _require_sqlite_file(url)
    return url


def _require_sqlite_file(url: URL) -> None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return  # in memory, or a URI the driver opens as it is told
    path = Path(database).expanduser()
    if not path.is_file():
        raise Invalid(
            f"Databasfilen {path} finns inte. Rätta --db, eller skapa databasen med "
            f"'sithsflow --db {url.render_as_string()} db init'. / The database file {path} "
            f"does not exist. Correct --db, or create the database with "
            f"'sithsflow --db {url.render_as_string()} db init'."
        )


@dataclass
class Invocation:
    """What the global options decided, built lazily so `--help` needs no database."""

    database_url: str
    now: str | None
    as_json: bool
    clock_offset: timedelta | None = None
    _runtime: Runtime | None = None

    @property
    def clock(self) -> Clock:
        """`--now` (or SITHSFLOW_NOW), else SITHSFLOW_CLOCK_OFFSET, else the real time: the
        same clock the pages and the worker of this deployment use (Settings.clock)."""
        if self.now is not None:
            return FixedClock(parse_instant(self.now))
        if self.clock_offset is not None:
            return OffsetClock(self.clock_offset)
        return SystemClock()

    @property
    def runtime(self) -> Runtime:
        """The runtime on an existing database, its schema brought to the newest version."""
        return self.open_runtime(may_create=False)

    def open_runtime(self, *, may_create: bool) -> Runtime:
        """The runtime; with `may_create` (only `db init`) a missing SQLite file is created."""
        if self._runtime is None:
            check_database_url(self.database_url, may_create=may_create)
            try:
                runtime = bootstrap(self.database_url)
            except OSError as error:
                # `db init` could not make the SQLite file's folder (a path through a file,
                # a folder without write permission).
                raise Invalid(
                    f"Databasen {self.database_url} kan inte skapas: {error.strerror}. / "
                    f"The database {self.database_url} cannot be created: {error.strerror}."
                ) from error
            try:
                upgrade_schema(runtime.database)
            except DatabaseError as error:
                runtime.database.dispose()
                if not runtime.database.is_sqlite:
                    raise
                # A SQLite path to some other file: refused, the file left as it was.
                raise Invalid(
                    f"{self.database_url} är ingen SQLite-databas: {error.orig}. / "
                    f"{self.database_url} is not a SQLite database: {error.orig}."
                ) from error
            self._runtime = runtime
        return self._runtime

    def emit(self, payload: dict[str, Any], text: Callable[[], str]) -> None:
        if self.as_json:
            click.echo(json.dumps(payload, ensure_ascii=False, default=str))
        else:
            click.echo(text())


pass_invocation = click.make_pass_decorator(Invocation)


def refuse_undecodable(args: list[str]) -> None:
    """Refuse an argument that is not UTF-8 (Python keeps its bytes as lone surrogates).

    Such a text cannot be printed, stored or sent on, and failed with an internal fault
    wherever it first was; it is refused before any command runs instead.
    """
    for position, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "backslashreplace").decode("utf-8")
            raise Invalid(
                f"Argument {position} ('{shown}') är inte giltig UTF-8. / "
                f"Argument {position} ('{shown}') is not valid UTF-8."
            ) from None
