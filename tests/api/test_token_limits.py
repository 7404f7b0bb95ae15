"""API tokens expire and record their last use; refused tokens are rate-limited per
client address and do not write an audit row per request."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from engine.clock import FixedClock
from engine.errors import Invalid
from engine.model import ApiToken
from engine.model import AuditEvent
from engine.services.runtime import Runtime
from engine.services.tokens import FAILURE_LIMIT
from engine.services.tokens import MAX_TOKEN_DAYS
from engine.services.tokens import FailureThrottle
from engine.services.tokens import issue_token
from engine.services.tokens import list_tokens
from engine.services.tokens import revoke_token
from web.api.auth import THROTTLE_EXTENSION

REPO_ROOT = Path(__file__).resolve().parents[2]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refusals(runtime: Runtime) -> int:
    with runtime.database.sessions() as session:
        query = select(func.count()).where(AuditEvent.action == "refused:authenticate")
        return session.scalar(query) or 0


def test_a_token_works_until_its_days_are_over(
    client: FlaskClient, runtime: Runtime, clock: FixedClock
) -> None:
    issued = issue_token(runtime, clock, "sara", "desk", days=1)
    assert issued.expires_at == issued.created_at + timedelta(days=1)
    clock.set(issued.created_at + timedelta(days=1) - timedelta(seconds=1))
    assert client.get("/api/me", headers=_bearer(issued.token)).status_code == 200
    clock.set(issued.created_at + timedelta(days=1))
    expired = client.get("/api/me", headers=_bearer(issued.token))
    assert expired.status_code == 401
    assert "expired" in expired.get_json()["message"]


def test_a_token_from_before_expiry_dates_expires_ninety_days_after_creation(
    client: FlaskClient, runtime: Runtime, clock: FixedClock
) -> None:
    issued = issue_token(runtime, clock, "sara", "old", days=MAX_TOKEN_DAYS)
    with runtime.database.sessions() as session:
        session.execute(update(ApiToken).values(expires_at=None))
        session.commit()
    clock.set(issued.created_at + timedelta(days=89))
    assert client.get("/api/me", headers=_bearer(issued.token)).status_code == 200
    clock.set(issued.created_at + timedelta(days=90))
    assert client.get("/api/me", headers=_bearer(issued.token)).status_code == 401


@pytest.mark.parametrize("days", [0, -1, MAX_TOKEN_DAYS + 1])
def test_a_token_needs_a_term_of_one_day_to_a_year(
    runtime: Runtime, clock: FixedClock, days: int
) -> None:
    with pytest.raises(Invalid):
        issue_token(runtime, clock, "sara", "desk", days=days)


def test_each_use_moves_last_used(client: FlaskClient, runtime: Runtime, clock: FixedClock) -> None:
    issued = issue_token(runtime, clock, "sara", "desk")
    clock.set(clock.now() + timedelta(hours=2))
    client.get("/api/me", headers=_bearer(issued.token))
    with runtime.database.sessions() as session:
        used = session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == issued.id))
    assert used == clock.now()


def test_unknown_tokens_are_rate_limited_and_audited_twice_per_window(
    app: Flask, client: FlaskClient, runtime: Runtime, clock: FixedClock
) -> None:
    ticks = [0.0]
    app.extensions[THROTTLE_EXTENSION] = FailureThrottle(timer=lambda: ticks[0])
    statuses = [
        client.get("/api/cases", headers=_bearer(f"sf_guess{n}")).status_code
        for n in range(FAILURE_LIMIT + 5)
    ]
    assert statuses == [401] * FAILURE_LIMIT + [429] * 5
    # The first refusal and the one that reached the limit; the rest wrote nothing.
    assert _refusals(runtime) == 2
    limited = client.get("/api/cases", headers=_bearer("sf_more"))
    assert limited.headers["Retry-After"] == "60"
    assert set(limited.get_json()) == {"rule", "message"}
    # Another address is not held back, and a good token still works from there.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    token = issue_token(runtime, clock, "olof", "audit").token
    assert other.get("/api/me", headers=_bearer(token)).status_code == 200
    # After the window the address may try again.
    ticks[0] = 60.0
    assert client.get("/api/cases", headers=_bearer("sf_again")).status_code == 401


def test_an_operator_sees_each_tokens_expiry_and_last_use_never_the_token(
    client: FlaskClient, runtime: Runtime, clock: FixedClock
) -> None:
    used = issue_token(runtime, clock, "sara", "desk", days=30)
    unused = issue_token(runtime, clock, "sara", "spare")
    revoke_token(runtime, clock, "sara", "spare")
    clock.set(clock.now() + timedelta(minutes=5))
    client.get("/api/me", headers=_bearer(used.token))
    listed = {t.name: t for t in list_tokens(runtime, "sara")}
    assert listed["desk"].expires_at == used.expires_at
    assert listed["desk"].last_used_at == clock.now()
    assert listed["desk"].is_active(clock.now())
    assert listed["spare"].last_used_at is None
    assert not listed["spare"].is_active(clock.now())
    assert used.token not in repr(listed) and unused.token not in repr(listed)


@pytest.mark.slow
def test_cli_token_issue_takes_days_and_token_list_shows_the_expiry(runtime: Runtime) -> None:
    def sithsflow(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", "from cli.main import run; run()"]
        command += ["--db", runtime.database.url, "--now", "2026-11-23T10:00:00+01:00", "--json"]
        return subprocess.run(
            [*command, *args], capture_output=True, text=True, cwd=REPO_ROOT, check=False
        )

    issued = sithsflow("token", "issue", "--as", "sara", "--name", "kort", "--days", "7")
    assert issued.returncode == 0, issued.stderr
    assert json.loads(issued.stdout)["api_token"]["expires_at"].startswith("2026-11-30T")
    refused = sithsflow("token", "issue", "--as", "sara", "--name", "lang", "--days", "400")
    assert refused.returncode == 2
    listed = json.loads(sithsflow("token", "list", "--as", "sara").stdout)["tokens"]
    assert [(t["name"], t["active"]) for t in listed] == [("kort", True)]
