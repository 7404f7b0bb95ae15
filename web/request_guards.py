"""Requests no view can answer, refused before routing or a view sees them (issue 10).

- An id in a URL (`<int:case_id>`) beyond the database's integers (engine.inputs) matches no route,
  so it is a 404 like any other id that names nothing, not an overflow in the driver (500).
- A NUL character in the path or the query is refused: PostgreSQL stores no NUL in text,
  so it failed as an internal fault there; in the path it names nothing (404), in the
  query it is bad input (422).
- Headers longer than a WSGI server lets through to us are answered 431 by the app, so
  the answer is the app's (JSON under /api/) rather than a server's HTML page. The limits
  sit below gunicorn's defaults (8,190 bytes a line) and werkzeug's (65,536).

`install(app)` must run before any blueprint is registered: a converter is bound to a
route when the route is added.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import request
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.exceptions import RequestHeaderFieldsTooLarge
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map

from engine.errors import Invalid
from engine.inputs import LARGEST_ID

MAX_HEADER_LINE_BYTES = 8_000
MAX_HEADER_TOTAL_BYTES = 32_000


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` limited to 0..LARGEST_ID unless a route asks for other bounds."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = 0,
        max: int | None = LARGEST_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def install(app: Flask) -> None:
    """Bound `<int:…>` to the database's ids and check each request before routing."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_unanswerable_request)


def refuse_unanswerable_request() -> None:
    total = 0
    for name, value in request.headers.items():
        line = len(name) + len(value) + 2
        total += line
        if line > MAX_HEADER_LINE_BYTES or total > MAX_HEADER_TOTAL_BYTES:
            raise RequestHeaderFieldsTooLarge(
                f"Begärans huvuden är för stora (högst {MAX_HEADER_LINE_BYTES} byte per rad "
                f"och {MAX_HEADER_TOTAL_BYTES} byte totalt). / The request's headers are too "
                f"large (at most {MAX_HEADER_LINE_BYTES} bytes a line and "
                f"{MAX_HEADER_TOTAL_BYTES} bytes in all)."
            )
    if "\x00" in request.path:
        raise RouteNotFound()
    if _has_nul(request.args.items(multi=True)) or _has_nul(request.form.items(multi=True)):
        raise Invalid(
            "Begäran innehåller ett NUL-tecken, som inte kan sparas. / "
            "The request contains a NUL character, which cannot be stored."
        )


def _has_nul(pairs: Any) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)
