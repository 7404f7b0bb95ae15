"""/healthz and /readyz, and the one clock of the web process with its banner (issue 10)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import update

from engine.clock import FixedClock
from engine.model import WorkerHeartbeat
from engine.policy.timekeeping import STOCKHOLM
from engine.services.heartbeat import Beat
from engine.services.heartbeat import record_beat
from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap
from engine.settings import Settings
from tests.web.conftest import Browser
from web import context
from web import create_app
from web.api import context as api_context

SIMULATED = "2026-11-30T10:00:00+01:00"


def beat(runtime: Runtime, clock: FixedClock, sweep_seconds: int = 60) -> None:
    record_beat(
        runtime.database,
        clock,
        Beat("worker:test:1", datetime.now(UTC), sweep_seconds, fired=0, error=None),
    )


def reasons(app: Flask) -> list[str]:
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    return [reason["check"] for reason in response.get_json()["reasons"]]


def test_readyz_is_503_until_a_worker_has_beaten(app: Flask) -> None:
    assert reasons(app) == ["worker"]


def test_readyz_is_200_with_a_recent_heartbeat(
    app: Flask, runtime: Runtime, clock: FixedClock
) -> None:
    beat(runtime, clock)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ready"] is True
    assert body["checks"]["worker"]["name"] == "worker:test:1"
    assert body["checks"]["worker"]["clock_at"] == clock.now().isoformat()


def test_readyz_is_503_when_the_newest_beat_is_three_sweeps_old(
    app: Flask, runtime: Runtime, clock: FixedClock
) -> None:
    beat(runtime, clock, sweep_seconds=10)
    with runtime.database.sessions.begin() as session:
        session.execute(
            update(WorkerHeartbeat).values(beat_at=datetime.now(UTC) - timedelta(seconds=31))
        )
    assert reasons(app) == ["worker"]


def test_readyz_names_a_schema_behind_the_code_and_healthz_stays_live(
    clock: FixedClock, tmp_path: Path
) -> None:
    empty = bootstrap(f"sqlite:///{tmp_path / 'empty.db'}")
    settings = Settings.from_env({"SITHSFLOW_INSTANCE": str(tmp_path), "SITHSFLOW_SECRET_KEY": "t"})
    app = create_app(settings, empty)
    # Liveness: the database answers, so the process need not be restarted.
    assert app.test_client().get("/healthz").status_code == 200
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    [reason] = response.get_json()["reasons"]
    assert reason["check"] == "schema"
    assert "sithsflow db init" in reason["message"]
    empty.database.dispose()


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    runtime = bootstrap("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    settings = Settings.from_env({"SITHSFLOW_INSTANCE": str(tmp_path), "SITHSFLOW_SECRET_KEY": "t"})
    response = create_app(settings, runtime).test_client().get("/readyz")
    assert response.status_code == 503
    assert [r["check"] for r in response.get_json()["reasons"]] == ["database"]


def simulated_app(runtime: Runtime, tmp_path: Path, **env: str) -> Flask:
    settings = Settings.from_env(
        {"SITHSFLOW_INSTANCE": str(tmp_path / "instance"), "SITHSFLOW_SECRET_KEY": "t", **env}
    )
    return create_app(settings, runtime)


def test_pages_and_api_share_the_one_clock_of_the_process(runtime: Runtime, tmp_path: Path) -> None:
    app = simulated_app(runtime, tmp_path, SITHSFLOW_NOW=SIMULATED)
    with app.test_request_context("/"):
        assert context.clock() is api_context.clock()
        assert context.clock().now() == datetime.fromisoformat(SIMULATED)


def test_every_page_shows_the_simulated_clock_in_both_languages(
    runtime: Runtime, tmp_path: Path
) -> None:
    browser = Browser(simulated_app(runtime, tmp_path, SITHSFLOW_NOW=SIMULATED).test_client())
    login_page = browser.get("/login").get_data(as_text=True)
    assert "data-simulated-clock" in login_page
    assert "Simulerad klocka" in login_page and "2026-11-30 10:00" in login_page
    browser.login("anna")
    browser.post("/language", {"lang": "en", "next": "/cases"})
    cases_page = browser.get("/cases").get_data(as_text=True)
    assert "Simulated clock" in cases_page and "2026-11-30 10:00" in cases_page


def test_an_offset_clock_shows_the_banner_too(runtime: Runtime, tmp_path: Path) -> None:
    app = simulated_app(runtime, tmp_path, SITHSFLOW_CLOCK_OFFSET="-P400D")
    shown = (datetime.now(UTC) - timedelta(days=400)).astimezone(STOCKHOLM).strftime("%Y-%m-%d")
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "data-simulated-clock" in page and shown in page


def test_no_banner_on_the_real_clock(runtime: Runtime, tmp_path: Path) -> None:
    page = simulated_app(runtime, tmp_path).test_client().get("/login").get_data(as_text=True)
    assert "data-simulated-clock" not in page
