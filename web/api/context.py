"""What an API view reads besides its URL: the runtime, the clock, the caller, the body.

The clock is the system's unless the app carries one in `config["SITHSFLOW_CLOCK"]` or
the settings carry `SITHSFLOW_NOW`, so that tests and a simulation judge every rule at a
time they choose, as `--now` does for the CLI.
"""

from __future__ import annotations

from typing import Any
from typing import TypeGuard
from typing import cast

from flask import current_app
from flask import g
from flask import request

from engine.clock import Clock
from engine.errors import Invalid
from engine.inputs import LARGEST_ID
from engine.inputs import parse_json_object
from engine.services.runtime import Runtime
from engine.services.tokens import ApiIdentity
from web import context as page_context

CLOCK_CONFIG_KEY = "SITHSFLOW_CLOCK"
RUNTIME_EXTENSION = "sithsflow.runtime"
SETTINGS_EXTENSION = "sithsflow.settings"
IDENTITY_KEY = "sithsflow_api_identity"


def runtime() -> Runtime:
    return cast(Runtime, current_app.extensions[RUNTIME_EXTENSION])


def clock() -> Clock:
    """The pages' clock (web/context.py), so that a page and an API call in one simulation
    judge the rules at the same instant."""
    return page_context.clock()


def identity() -> ApiIdentity:
    """The token's user; set by `auth.require_token` before any protected view runs."""
    return cast(ApiIdentity, getattr(g, IDENTITY_KEY))


def set_identity(who: ApiIdentity) -> None:
    setattr(g, IDENTITY_KEY, who)


def json_object() -> dict[str, Any]:
    """The request body as a JSON object; an empty body is `{}`.

    Parsed here rather than by `request.get_json()` so that a malformed body is an
    `Invalid` (422 with a sentence), like a malformed `--data` in the CLI, not Flask's
    HTML 400.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    return parse_json_object(raw, "Begärans innehåll", "The request body")


def form_fields(body: dict[str, Any]) -> dict[str, Any]:
    """`fields` of a body: the form's values, checked by the form's schema in the service."""
    fields = body.get("fields", {})
    if not isinstance(fields, dict):
        raise Invalid(
            "'fields' måste vara ett JSON-objekt med formulärets fält. / "
            "'fields' must be a JSON object of the form's fields."
        )
    return fields


def required_text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"'{key}' saknas eller är inte text. / '{key}' is missing or not text.")
    return value.strip()


def refuse_unknown_keys(body: dict[str, Any], *known: str) -> None:
    """A misplaced field (`{"holder": …}` beside `fields`) is refused, not silently ignored."""
    unknown = sorted(set(body) - set(known))
    if unknown:
        listed = ", ".join(unknown)
        allowed = ", ".join(known)
        raise Invalid(
            f"Okända nycklar i begäran: {listed}; tillåtna: {allowed}. / "
            f"Unknown keys in the request: {listed}; allowed: {allowed}."
        )


def page_limit() -> int | None:
    """`?limit=` as a number; the service refuses sizes out of range (422)."""
    text = request.args.get("limit")
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdigit()):
        raise Invalid(
            f"'limit' ska vara ett heltal, inte '{text}'. / 'limit' must be a whole number."
        )
    return int(text)


def is_database_id(value: object) -> TypeGuard[int]:
    """A JSON whole number (not a boolean) a database row could have as its id."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= LARGEST_ID


def page_cursor() -> str | None:
    """`?cursor=`: the `next_cursor` of the page before."""
    return request.args.get("cursor") or None
