"""Create or upgrade the schema with Alembic (idempotent), as `sithsflow db init` does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from engine.database import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return config


class SchemaIntegrityError(RuntimeError):
    """A migration left rows pointing at rows that do not exist; it was rolled back."""


@contextmanager
def migrating(database: Database) -> Iterator[Config]:
    """An Alembic config bound to one transaction that commits only a consistent schema.

    SQLite changes a table's shape by copying it to a new table and dropping the old one
    (Alembic's batch mode); with foreign keys enforced, dropping a table others refer to
    fails. So on SQLite enforcement is off while migrating (the pragma must be set outside
    the transaction) and `PRAGMA foreign_key_check` must find nothing before the commit."""
    config = alembic_config(database)
    with database.engine.connect() as connection:
        if database.is_sqlite:
            _enforce_foreign_keys(connection, False)
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                yield config
                if database.is_sqlite:
                    _check_foreign_keys(connection)
        finally:
            if database.is_sqlite:
                _enforce_foreign_keys(connection, True)


def _enforce_foreign_keys(connection: Connection, on: bool) -> None:
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()  # ends SQLAlchemy's autobegun transaction; the pragma is not in one


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise SchemaIntegrityError(
            f"Migration left {len(broken)} rows with missing references in {', '.join(tables)}"
        )


def upgrade_schema(database: Database) -> None:
    """Bring the database to the newest migration; a no-op when it is already there."""
    with migrating(database) as config:
        command.upgrade(config, "head")


@dataclass(frozen=True)
class SchemaState:
    """The revisions the database is at and the ones this code expects (`/readyz`)."""

    current: tuple[str, ...]
    head: tuple[str, ...]

    @property
    def is_at_head(self) -> bool:
        return set(self.current) == set(self.head)


@cache
def head_revisions() -> tuple[str, ...]:
    """The newest migrations shipped with this code (read once per process)."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return tuple(sorted(script.get_heads()))


def schema_state(database: Database) -> SchemaState:
    """Where the database's schema is; an empty `current` means no schema at all."""
    with database.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return SchemaState(current=tuple(sorted(current)), head=head_revisions())
