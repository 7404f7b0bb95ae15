"""Bearer-token authentication for every API view but the OpenAPI document.

The API has no session and no cookies: each request carries `Authorization: Bearer
<token>` (issued with `sithsflow token issue`), so there is nothing for a cross-site
request to ride on and the blueprint needs no CSRF token.

Refused tokens count per client address (engine.services.tokens.FailureThrottle, one per
app): past the limit the answer is 429 with `Retry-After`, before the database is read.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

from engine.services.read_scope import Reader
from engine.services.tokens import FailureThrottle
from engine.services.tokens import authenticate
from web.api.context import clock
from web.api.context import identity
from web.api.context import runtime
from web.api.context import set_identity

BEARER_SCHEME = "bearer"
PUBLIC_ENDPOINTS = frozenset({"api.openapi_document"})
THROTTLE_EXTENSION = "sithsflow.token_failures"


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header; None when there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != BEARER_SCHEME:
        return None
    return token.strip() or None


def failure_throttle() -> FailureThrottle:
    """The app's count of refused tokens per client address (made on first use)."""
    found: FailureThrottle = current_app.extensions.setdefault(
        THROTTLE_EXTENSION, FailureThrottle()
    )
    return found


def require_token() -> Response | None:
    """Before each view: authenticate or refuse (NotAuthenticated → 401 in errors.py);
    a client past the limit of refused tokens gets 429 without a database read."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    throttle = failure_throttle()
    source = request.remote_addr or "?"
    if throttle.is_blocked(source):
        response = jsonify(
            {
                "rule": None,
                "message": (
                    "För många nekade API-nycklar; försök igen om en stund. / "
                    "Too many refused API tokens; try again in a while."
                ),
            }
        )
        response.status_code = 429
        response.headers["Retry-After"] = str(int(throttle.window_seconds))
        return response
    set_identity(authenticate(runtime(), clock(), bearer_token(), throttle=throttle, source=source))
    return None


def install_authentication(blueprint: Blueprint) -> None:
    blueprint.before_request(require_token)


def api_reader() -> Reader:
    """The token's user as an S2 reader at the clock's instant."""
    return Reader(identity().username, clock().now())
