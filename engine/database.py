"""Database engines and sessions: SQLite by default, PostgreSQL in production.

`create_database(url)` builds an engine once per process; sessions come from its
`sessionmaker`. SQLite gets foreign keys and a busy timeout so that two workers on one
file wait for each other instead of failing at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000
PRIVATE_FILE_MODE = 0o600


@dataclass(frozen=True)
class Database:
    """An engine and its session factory, built once and passed in."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    _keep_new_file_private(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL with synchronous=NORMAL stays consistent after a crash; only the last commits
    # before a power loss may be lost, the trade-off SQLite recommends for WAL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _keep_new_file_private(cursor: Any) -> None:
    """A database file SQLite has just created (still empty) becomes readable by its owner
    only (0600) before anything is written: it holds personnummer and the audit trail.
    Its WAL and shared-memory files take the same mode from it. An existing file keeps
    the mode its operator gave it."""
    for _seq, name, path in cursor.execute("PRAGMA database_list").fetchall():
        if name == "main" and path and os.path.isfile(path) and os.path.getsize(path) == 0:
            os.chmod(path, PRIVATE_FILE_MODE)


def create_database(url: str) -> Database:
    """Connect to `url` (an SQLAlchemy URL); creates the SQLite file's folder if needed."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return Database(url, engine, sessionmaker(engine, expire_on_commit=False))
