"""What every use case needs, built once by the adapter and passed in (cosmicpython's bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.clock import Clock
from engine.database import Database
from engine.database import create_database
from engine.forms import FormRegistry
from engine.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Runtime:
    """The database and the loaded forms; the clock travels with each call."""

    database: Database
    forms: FormRegistry

    def unit_of_work(self, clock: Clock) -> UnitOfWork:
        return UnitOfWork(self.database, clock)


def bootstrap(database_url: str) -> Runtime:
    """Connect and load the forms; the schema is created by `upgrade_schema`, not here."""
    return Runtime(create_database(database_url), FormRegistry.load())
