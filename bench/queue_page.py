"""The queue page as a browser gets it: GET /tasks through a real HTTP server of the app.

Used by bench/scale.py as one of its measures: `create_app` on the bench's runtime and
clock, served by werkzeug's `make_server` in a thread, signed in as a demo user (password
`demo`) with the login form's CSRF token, then the page timed as a whole request.
"""

from __future__ import annotations

import tempfile
import threading
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from engine.clock import Clock
from engine.services.runtime import Runtime


class QueuePage:
    """GET /tasks (where `/` sends a worker) through a real HTTP server of the app."""

    def __init__(self, username: str) -> None:
        self.username = username
        self.server: Any = None
        self.cookie = ""

    def __call__(self, runtime: Runtime, clock: Clock) -> Any:
        if self.server is None:
            self._start(runtime, clock)
        status, body = self._request("GET", "/tasks")
        assert status == 200, f"/tasks answered {status}"
        return body

    def _start(self, runtime: Runtime, clock: Clock) -> None:
        from werkzeug.serving import make_server

        from engine.settings import Settings
        from web import create_app

        settings = Settings(
            database_url=runtime.database.url,
            now=None,
            instance_dir=Path(tempfile.mkdtemp(prefix="scale-web-")),
            port=0,
            secret_key="scale-bench",
            secure_cookies=False,
        )
        app = create_app(settings, runtime)
        app.config["SITHSFLOW_CLOCK"] = clock
        self.server = make_server(
            "127.0.0.1", 0, app, threaded=False, request_handler=_quiet_handler()
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        status, page = self._request("GET", "/login")
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"username": self.username, "password": "demo", "csrf_token": token}
        status, _ = self._request("POST", "/login", urlencode(form))
        assert status == 302, f"login as {self.username} answered {status}"

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def _request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        conn = HTTPConnection("127.0.0.1", self.server.server_port, timeout=3600)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        conn.close()
        return response.status, text


def _quiet_handler() -> type:
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            """The bench prints its own lines; a line per request would drown them."""

    return Quiet
