"""Fixtures for the JSON API: the app on a fresh demo database, and a token-carrying client.

Tokens are issued through engine/services/tokens.py, as `sithsflow token issue` does; the
app's clock is the settable `clock` fixture, so rules are judged at the times a test sets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.clock import FixedClock
from engine.services.runtime import Runtime
from engine.services.tokens import issue_token
from engine.settings import Settings
from tests.support.flows import local
from web import create_app


class Api:
    """The test client with one bearer token per demo user, issued on first use."""

    def __init__(self, client: FlaskClient, runtime: Runtime, clock: FixedClock) -> None:
        self.client = client
        self.runtime = runtime
        self.clock = clock
        self._tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self._tokens:
            self._tokens[user] = issue_token(self.runtime, self.clock, user, "tests").token
        return self._tokens[user]

    def at(self, text: str) -> Api:
        """Move the app's clock: '2026-11-23 15:01' in Stockholm."""
        self.clock.set(local(text))
        return self

    def get(self, path: str, user: str) -> TestResponse:
        return self.client.get(path, headers=self._auth(user))

    def post(self, path: str, user: str, body: Any = None) -> TestResponse:
        return self.client.post(path, json=body, headers=self._auth(user))

    def start(self, user: str, process: str, **fields: str) -> TestResponse:
        return self.post("/api/cases", user, {"process": process, "fields": fields})

    def task_id(self, case_id: int, name: str) -> str:
        """The ready task `name` of a case, read through the API as a client would."""
        shown = self.get(f"/api/cases/{case_id}", "olof").get_json()["case"]
        ready = [t["id"] for t in shown["tasks"] if t["name"] == name and t["state"] == "ready"]
        assert ready, f"no ready {name} in case {case_id}: {shown['tasks']}"
        return str(ready[-1])

    def complete(self, case_id: int, name: str, user: str, **fields: str) -> TestResponse:
        task = self.task_id(case_id, name)
        return self.post(f"/api/tasks/{task}/complete", user, {"fields": fields})

    def task_names(self, user: str) -> list[str]:
        return [t["name"] for t in self.get("/api/tasks", user).get_json()["tasks"]]

    def _auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}


@pytest.fixture
def app(runtime: Runtime, clock: FixedClock, tmp_path: Path) -> Flask:
    settings = Settings.from_env({"SITHSFLOW_INSTANCE": str(tmp_path / "instance")})
    built = create_app(settings, runtime)
    built.config.update(TESTING=True, SITHSFLOW_CLOCK=clock)
    return built


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api(client: FlaskClient, runtime: Runtime, clock: FixedClock) -> Api:
    return Api(client, runtime, clock)
