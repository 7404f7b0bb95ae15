"""The development server answers its own 431 under /api/ as JSON, pages as HTML (issue 10).

A real werkzeug server on a free port with the app, and a raw HTTP client that sends a
header longer than `http.server` reads (65,536 bytes): the server refuses it before the
app is called.
"""

from __future__ import annotations

import http.client
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server

from engine.clock import FixedClock
from engine.services.runtime import bootstrap
from tests.web.conftest import build_app
from web.dev_server import JsonErrorRequestHandler

OVER_HTTP_SERVER_LIMIT = "a" * 70_000


@pytest.fixture
def app(sqlite_template: Path, clock: FixedClock, tmp_path: Path) -> Iterator[Flask]:
    """On SQLite only: what is tested happens in the server, before any query."""
    target = tmp_path / "dev.db"
    shutil.copyfile(sqlite_template, target)
    runtime = bootstrap(f"sqlite:///{target}")
    yield build_app(runtime, clock, tmp_path / "instance")
    runtime.database.dispose()


@pytest.fixture
def server(app: Flask) -> Iterator[BaseWSGIServer]:
    served = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=JsonErrorRequestHandler
    )
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.shutdown()
        served.server_close()
        thread.join(timeout=10)


def _get(server: BaseWSGIServer, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.getheader("Content-Type") or "", answer.read()
    finally:
        connection.close()


def test_an_over_long_header_is_a_json_431_under_the_api(server: BaseWSGIServer) -> None:
    status, kind, body = _get(server, "/api/cases", {"X-Padding": OVER_HTTP_SERVER_LIMIT})
    assert status == 431
    assert kind == "application/json"
    answer = json.loads(body)
    assert answer["rule"] is None
    assert "headers are too long or too many" in answer["message"]


def test_too_many_headers_are_a_json_431_under_the_api(server: BaseWSGIServer) -> None:
    many = {f"X-Header-{n}": "x" for n in range(150)}
    status, kind, _ = _get(server, "/api/me", many)
    assert (status, kind) == (431, "application/json")


def test_pages_keep_the_servers_html_431(server: BaseWSGIServer) -> None:
    status, kind, _ = _get(server, "/cases", {"X-Padding": OVER_HTTP_SERVER_LIMIT})
    assert status == 431
    assert kind.startswith("text/html")


def test_an_ordinary_request_is_served_as_before(server: BaseWSGIServer) -> None:
    status, kind, body = _get(server, "/api/openapi.json", {})
    assert (status, kind) == (200, "application/json")
    assert json.loads(body)["openapi"].startswith("3.1")
