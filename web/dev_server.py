"""Werkzeug's development server, answering its own errors under /api/ as JSON.

Werkzeug serves with Python's `http.server`, which reads the request line and headers
itself: a header line over 65,536 bytes or more than 100 headers is answered 431 (a bad
request line 400) with an HTML page, before the app is called, so no Flask error handler
can change it (issue 10: "431 comes back as HTML"). This handler writes those answers in
the API's JSON shape for paths under /api/ and leaves the pages' HTML as it was. Requests
the server lets through but the app finds too large are the app's own 431
(web/request_guards.py).

    run_simple(host, port, app, request_handler=JsonErrorRequestHandler)
"""

from __future__ import annotations

import json
from http import HTTPStatus
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler

from web.api.errors import API_PREFIX
from web.api.errors import HTTP_MESSAGES

SERVER_MESSAGES = {
    **HTTP_MESSAGES,
    431: "Begärans huvuden är för långa eller för många. / "
    "The request's headers are too long or too many.",
}
_NO_BODY = (HTTPStatus.NO_CONTENT, HTTPStatus.RESET_CONTENT, HTTPStatus.NOT_MODIFIED)


class JsonErrorRequestHandler(WSGIRequestHandler):
    """`WSGIRequestHandler` whose server-side errors under /api/ are `{"rule", "message"}`."""

    def parse_request(self) -> bool:
        # A kept-alive connection would otherwise still carry the previous request's path
        # while this one's request line is being read.
        self.path = ""
        return super().parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        path = urlsplit(self.path or "").path
        if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            super().send_error(code, message, explain)
            return
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, message)
        self.send_header("Connection", "close")
        body = b""
        if code >= 200 and code not in _NO_BODY:
            text = SERVER_MESSAGES.get(code, f"{code} {message or ''}".strip())
            body = json.dumps({"rule": None, "message": text}).encode("utf-8")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
