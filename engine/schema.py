"""Create or upgrade the schema with Alembic (idempotent), as `sithsflow db init` does."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from engine.database import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return config


def upgrade_schema(database: Database) -> None:
    """Bring the database to the newest migration; a no-op when it is already there."""
    config = alembic_config(database)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
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
