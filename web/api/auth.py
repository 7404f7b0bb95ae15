"""Bearer-token authentication for every API view but the OpenAPI document.

The API has no session and no cookies: each request carries `Authorization: Bearer
<token>` (issued with `sithsflow token issue`), so there is nothing for a cross-site
request to ride on and the blueprint needs no CSRF token.
"""

from __future__ import annotations

from flask import Blueprint
from flask import request

from engine.services.read_scope import Reader
from engine.services.tokens import authenticate
from web.api.context import clock
from web.api.context import identity
from web.api.context import runtime
from web.api.context import set_identity

BEARER_SCHEME = "bearer"
PUBLIC_ENDPOINTS = frozenset({"api.openapi_document"})


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header; None when there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != BEARER_SCHEME:
        return None
    return token.strip() or None


def require_token() -> None:
    """Before each view: authenticate or refuse (NotAuthenticated → 401 in errors.py)."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    set_identity(authenticate(runtime(), clock(), bearer_token()))


def install_authentication(blueprint: Blueprint) -> None:
    blueprint.before_request(require_token)


def api_reader() -> Reader:
    """The token's user as an S2 reader at the clock's instant."""
    return Reader(identity().username, clock().now())
