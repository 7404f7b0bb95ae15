"""Fixtures for the pages: an app on a fresh demo database with a settable clock, and a
`Browser` helper that signs in and posts forms with their CSRF token, as a person would."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.clock import FixedClock
from engine.services.runtime import Runtime
from engine.settings import Settings
from web import create_app
from web.context import CLOCK_KEY

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def build_app(runtime: Runtime, clock: FixedClock, instance: Path) -> Flask:
    settings = Settings.from_env(
        {"SITHSFLOW_INSTANCE": str(instance), "SITHSFLOW_SECRET_KEY": "test-secret"}
    )
    app = create_app(settings, runtime)
    app.config[CLOCK_KEY] = clock
    app.config["TESTING"] = True
    return app


@pytest.fixture
def app(runtime: Runtime, clock: FixedClock, tmp_path: Path) -> Flask:
    """The app on both databases (the `runtime` fixture's matrix)."""
    return build_app(runtime, clock, tmp_path / "instance")


class Browser:
    """A test client that behaves like a person with a browser: reads the CSRF token from
    the page it is on and sends it back with each form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(url, **kwargs)
        found = _CSRF.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, url: str, data: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
        if not self.token:
            self.get("/login")
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def login(self, username: str, password: str = "demo") -> TestResponse:
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password})
        if response.status_code == 302:
            # The session starts afresh at sign-in; the next page carries its new token.
            self.get("/", follow_redirects=True)
        return response

    def logout(self) -> TestResponse:
        return self.post("/logout")


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app.test_client())


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)
