"""Refusals and HTTP errors as JSON: `{"rule", "message"}` with 401/403/404/409/422.

Every error under /api/ is JSON, the HTTP ones too (404, 405, 413, 431, 500): this
blueprint's handlers answer what happens in its views, and web/errors.py hands over to
`http_error_response` and `domain_error_response` what is raised before a route matched.

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
from engine.services.registers.employment_import import ImportRejected
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
    ImportRejected: 422,  # a directory export with bad lines; nothing changed
}
AUTHENTICATE_HEADER = 'Bearer realm="sithsflow"'
API_PREFIX = "/api"
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


# Werkzeug's own descriptions are English only; these say it as every refusal does.
HTTP_MESSAGES = {
    400: "Begäran kunde inte läsas. / The request could not be read.",
    404: "Det finns ingen sådan adress eller post i API:t. / "
    "There is no such address or record in the API.",
    405: "Adressen tar inte emot den metoden; se Allow. / "
    "The address does not take that method; see Allow.",
    413: "Begäran är för stor (högst 256 KB). / The request is too large (at most 256 KB).",
    415: "Begärans innehållstyp stöds inte. / The request's content type is not supported.",
}


def http_error_response(error: HTTPException) -> Response:
    """Flask's and Werkzeug's own errors (404, 405, 413, 431, 500 …) in the same JSON shape."""
    status = error.code or 500
    if status >= 500:
        return internal_error_response(error)
    description = error.description or ""
    # A description of our own (431 from web.request_guards) is already bilingual.
    message = description if " / " in description else HTTP_MESSAGES.get(status, description)
    response = jsonify({"rule": None, "message": message})
    response.status_code = status
    allowed = getattr(error, "valid_methods", None)
    if allowed:
        response.headers["Allow"] = ", ".join(sorted(allowed))
    return response


def internal_error_response(error: HTTPException) -> Response:
    # The fault is logged with its traceback; the caller gets a sentence, not the trace.
    original = getattr(error, "original_exception", None)
    logger.error("API fault", exc_info=original or error)
    response = jsonify({"rule": None, "message": INTERNAL_FAULT_MESSAGE})
    response.status_code = 500
    return response


def is_api_request(prefix: str = API_PREFIX) -> bool:
    """Whether the request is under the API, whether or not a route matched it."""
    return request.path == prefix or request.path.startswith(prefix + "/")


def _routing_fallback(prefix: str) -> Callable[[], Response | None]:
    def answer_routing_failure() -> Response | None:
        failure = request.routing_exception
        if is_api_request(prefix) and isinstance(failure, RouteNotFound | MethodNotAllowed):
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
