"""Fixtures: a settable clock, and a runtime on a fresh database for SQLite and PostgreSQL.

Each test gets its own database copied from a template that already has the schema and
the demo region, so tests are independent and fast. PostgreSQL tests run on a throwaway
cluster; they are skipped only when no server is installed, and fail instead when
SITHSFLOW_REQUIRE_POSTGRES=1 (as .ci/run sets).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from engine.clock import FixedClock
from engine.policy.timekeeping import STOCKHOLM
from engine.schema import upgrade_schema
from engine.services.demo import load_demo
from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap
from tests.support.flows import Flows
from tests.support.postgres_cluster import PostgresCluster
from tests.support.postgres_cluster import find_server_bindir

REQUIRE_POSTGRES = os.environ.get("SITHSFLOW_REQUIRE_POSTGRES") == "1"
TEMPLATE_DATABASE = "sithsflow_template"
DEMO_LOADED_AT = datetime(2024, 1, 1, 8, 0, tzinfo=STOCKHOLM)


def _prepare(url: str) -> None:
    runtime = bootstrap(url)
    upgrade_schema(runtime.database)
    load_demo(runtime, FixedClock(DEMO_LOADED_AT))
    runtime.database.dispose()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    if find_server_bindir() is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " but SITHSFLOW_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    cluster = PostgresCluster.start()
    try:
        _prepare(cluster.create_database(TEMPLATE_DATABASE))
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _prepare(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database with the schema and the demo region, on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "sithsflow.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database(f"t_{uuid.uuid4().hex[:16]}", template=TEMPLATE_DATABASE)


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    built = bootstrap(database_url)
    yield built
    built.database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """Monday 2026-11-23 15:01 in Stockholm: just outside office hours (R12)."""
    return FixedClock(datetime(2026, 11, 23, 15, 1, tzinfo=STOCKHOLM))


@pytest.fixture
def flows(runtime: Runtime, clock: FixedClock) -> Flows:
    return Flows(runtime, clock)
