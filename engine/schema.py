"""Create or upgrade the schema with Alembic (idempotent), as `sithsflow db init` does."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

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
