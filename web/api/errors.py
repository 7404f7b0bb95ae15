"""Refusals and HTTP errors as JSON: `{"rule", "message"}` with 401/403/404/409/422.

Services raise, this adapter maps (cosmicpython's flask_app). Every DomainError class is
listed in `STATUS_BY_ERROR` on purpose, so that a new one makes
tests/api/test_errors.py fail until someone decides its status; at run time an unlisted
subclass still takes its nearest listed ancestor's status, never a 500.

Routing failures (an unknown path or method under the prefix) happen before Flask knows
the blueprint, so a blueprint error handler never sees them; an app-level
`before_request` hook answers them as JSON instead, and leaves every other path's 404 to
the pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound

from engine.errors import Conflict
from engine.errors import DomainError
from engine.errors import Invalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.errors import TaskNotReady
from engine.forms import FormInvalid
from engine.problems import ModelRejected
from engine.runner import ProcessDefinitionError
from engine.runner import ScriptRefused
from engine.services.tokens import NotAuthenticated

logger = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    # A bare DomainError is a refusal with no finer kind: the input was not acceptable.
    DomainError: 422,
    NotPermitted: 403,
    NotAuthenticated: 401,
    ScriptRefused: 403,
    NotFound: 404,
    Conflict: 409,
    TaskNotReady: 409,
    Invalid: 422,
    FormInvalid: 422,
    ModelRejected: 422,
    ProcessDefinitionError: 422,
}
AUTHENTICATE_HEADER = 'Bearer realm="sithsflow"'
INTERNAL_FAULT_MESSAGE = "Internt fel; försök igen eller kontakta förvaltningen. / Internal fault."


def status_for(error: type[DomainError]) -> int:
    """The status of the nearest listed class in `error`'s MRO."""
    for cls in error.__mro__:
        if issubclass(cls, DomainError) and cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    raise TypeError(f"{error!r} is not a DomainError")


def error_body(error: DomainError) -> dict[str, Any]:
    """`{"rule", "message"}`, and for a form each failing field's sentence."""
    body: dict[str, Any] = error.to_dict()
    if isinstance(error, FormInvalid):
        body["fields"] = dict(error.field_errors)
        body["fields_en"] = dict(error.field_errors_en)
    if isinstance(error, ModelRejected):
        body["problems"] = [problem.to_dict() for problem in error.problems]
    return body


def domain_error_response(error: DomainError) -> Response:
    response = jsonify(error_body(error))
    response.status_code = status_for(type(error))
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = AUTHENTICATE_HEADER
    return response


def http_error_response(error: HTTPException) -> Response:
    """Flask's and Werkzeug's own errors (405, 404, 500 …) in the same JSON shape."""
    response = jsonify({"rule": None, "message": error.description})
    response.status_code = error.code or 500
    allowed = getattr(error, "valid_methods", None)
    if allowed:
        response.headers["Allow"] = ", ".join(sorted(allowed))
    return response


def internal_error_response(error: InternalServerError) -> Response:
    # The fault is logged with its traceback; the caller gets a sentence, not the trace.
    logger.error("API fault", exc_info=error.original_exception or error)
    response = jsonify({"rule": None, "message": INTERNAL_FAULT_MESSAGE})
    response.status_code = 500
    return response


def _routing_fallback(prefix: str) -> Callable[[], Response | None]:
    def answer_routing_failure() -> Response | None:
        failure = request.routing_exception
        under_prefix = request.path == prefix or request.path.startswith(prefix + "/")
        if under_prefix and isinstance(failure, RouteNotFound | MethodNotAllowed):
            return http_error_response(failure)
        return None

    return answer_routing_failure


def _install_routing_fallback(state: BlueprintSetupState) -> None:
    state.app.before_request(_routing_fallback(state.url_prefix or ""))


def install_error_handlers(blueprint: Blueprint) -> None:
    blueprint.register_error_handler(DomainError, domain_error_response)
    blueprint.register_error_handler(InternalServerError, internal_error_response)
    blueprint.register_error_handler(HTTPException, http_error_response)
    blueprint.record_once(_install_routing_fallback)
