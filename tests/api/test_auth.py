"""Bearer tokens: 401 without a valid one, hashes only at rest, revocation, the CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from engine.clock import FixedClock
from engine.errors import Conflict
from engine.errors import NotFound
from engine.model import ApiToken
from engine.model import AuditEvent
from engine.services.runtime import Runtime
from engine.services.tokens import NotAuthenticated
from engine.services.tokens import authenticate
from engine.services.tokens import issue_token
from engine.services.tokens import revoke_token
from engine.settings import REPO_ROOT
from tests.api.conftest import Api

# A value for each argument an API route takes, so that every URL reaches its route.
SAMPLE_ARGUMENTS = {
    "case_id": 1,
    "task_id": "t",
    "number": "RK000001",
    "process_id": "loa3-reserve",
    "employment_id": 1,
    "closing_day_id": 1,
    "shift_id": 1,
    "code": "region-demo",
}


def _protected_urls(app: Flask) -> list[tuple[str, str]]:
    """(method, url) of every API route but the public OpenAPI document."""
    routes = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "api.openapi_document":
            continue
        arguments = {name: SAMPLE_ARGUMENTS[name] for name in rule.arguments}
        for method in sorted(rule.methods or ()):
            if method in ("GET", "POST"):
                urls.append((method, routes.build(rule.endpoint, arguments, method=method)))
    return urls


def _assert_401(response: TestResponse) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["rule"] is None
    assert "token" in body["message"]


def test_every_api_route_refuses_a_request_without_a_token(app: Flask, client: FlaskClient) -> None:
    urls = _protected_urls(app)
    # 11 case, task, card and me routes (cancel, S4; revoke, R19); 8 under /processes (S5);
    # 15 of the operators' registers (stock, employments, closing days, settings, rosters)
    assert len(urls) == 34
    # Each URL reaches its own route: a placeholder left unfilled, or a path no route
    # matches, would also answer 401 and test nothing.
    routes = app.url_map.bind("localhost")
    for method, url in urls:
        assert "<" not in url and ">" not in url, url
        endpoint, _ = routes.match(url, method=method)
        assert endpoint != "api.openapi_document", url
        _assert_401(client.open(url, method=method))
    assert {routes.match(url, method=method)[0] for method, url in urls} == {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.endpoint != "api.openapi_document"
    }


@pytest.mark.parametrize(
    "header", ["Bearer sf_not-a-real-token", "Bearer ", "Basic YW5uYTpkZW1v", "sf_bare-token"]
)
def test_an_unknown_or_malformed_authorization_is_refused_with_401(
    client: FlaskClient, header: str
) -> None:
    _assert_401(client.get("/api/me", headers={"Authorization": header}))


def test_me_names_the_user_their_roles_and_when_the_token_was_used(
    api: Api, runtime: Runtime, clock: FixedClock
) -> None:
    api.at("2026-11-23 10:00").token("anna")
    body = api.at("2026-11-23 10:05").get("/api/me", "anna").get_json()
    assert body["user"]["username"] == "anna"
    assert {"loa3_admin", "loa2_admin"} <= set(body["user"]["roles"])
    assert body["token"] == {
        "name": "tests",
        "created_at": "2026-11-23T10:00:00+01:00",
        "last_used_at": "2026-11-23T10:05:00+01:00",
        "expires_at": "2027-02-21T10:00:00+01:00",  # 90 days by default
    }


def test_only_the_sha256_of_a_token_is_stored(runtime: Runtime, clock: FixedClock) -> None:
    issued = issue_token(runtime, clock, "sara", "desk")
    with runtime.database.sessions() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.id == issued.id)).one()
        assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
        assert issued.token not in {row.token_hash, row.name}


def test_a_revoked_token_is_refused_and_both_steps_are_audited(
    api: Api, runtime: Runtime, clock: FixedClock
) -> None:
    assert api.get("/api/me", "sara").status_code == 200
    revoke_token(runtime, clock, "sara", "tests")
    _assert_401(api.get("/api/me", "sara"))
    with runtime.database.sessions() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == "sara").order_by(AuditEvent.id)
        ).all()
    assert actions == ["token_issued", "token_revoked", "refused:authenticate"]


def test_a_second_active_token_of_the_same_name_is_a_conflict(
    runtime: Runtime, clock: FixedClock
) -> None:
    issue_token(runtime, clock, "sara", "desk")
    with pytest.raises(Conflict):
        issue_token(runtime, clock, "sara", "desk")
    revoke_token(runtime, clock, "sara", "desk")
    assert issue_token(runtime, clock, "sara", "desk").name == "desk"


def test_tokens_are_refused_for_unknown_users_and_unknown_names(
    runtime: Runtime, clock: FixedClock
) -> None:
    with pytest.raises(NotFound):
        issue_token(runtime, clock, "nobody", "desk")
    with pytest.raises(NotFound):
        revoke_token(runtime, clock, "sara", "never-issued")
    with pytest.raises(NotAuthenticated):
        authenticate(runtime, clock, None)


def _sithsflow(runtime: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line in its own process, as an operator runs it."""
    command = [
        sys.executable,
        "-c",
        "from cli.main import run; run()",
        "--db",
        runtime.database.url,
    ]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )


def test_cli_token_issue_prints_a_token_the_api_accepts(
    runtime: Runtime, client: FlaskClient
) -> None:
    issued = _sithsflow(runtime, "--json", "token", "issue", "--as", "david", "--name", "x")
    assert issued.returncode == 0, issued.stderr
    printed = json.loads(issued.stdout)
    assert printed["api_token"]["user"] == "david"
    bearer = {"Authorization": f"Bearer {printed['token']}"}
    assert client.get("/api/me", headers=bearer).get_json()["user"]["username"] == "david"

    assert _sithsflow(runtime, "token", "revoke", "--as", "david", "--name", "x").returncode == 0
    _assert_401(client.get("/api/me", headers=bearer))
