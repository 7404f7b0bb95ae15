"""Refusals and faults as pages: a DomainError becomes 403/404/409/422 with its message.

Services raise; this adapter maps (STYLE.md, Errors). The page shows the message in the
session's language and the rule it cites. Under /api/ the API's JSON answers instead,
whatever raised the error (issue 10: a 431 came back as an HTML page).
"""

from __future__ import annotations

from flask import Flask
from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import Conflict
from engine.errors import DomainError
from engine.errors import Invalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from web.api.errors import domain_error_response
from web.api.errors import http_error_response
from web.api.errors import is_api_request

# Every DomainError subclass has a status; tests/web check that none is missing.
HTTP_STATUS: dict[type[DomainError], int] = {
    NotPermitted: 403,
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
}


def status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 422


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> ResponseReturnValue:
        if is_api_request():
            return domain_error_response(error)
        status = status_of(error)
        return render_error(status, error.message, error.rule), status

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        message = gettext(
            "The form had expired or did not come from this site. Go back, reload and try again."
        )
        return render_error(400, message, None), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        # Under /api/ every error is JSON, also one raised before a route matched (a
        # request guard's 431, an unknown path's 404) or outside the API's views.
        if is_api_request():
            return http_error_response(error)
        status = error.code or 500
        messages = {
            403: gettext("You do not have a role that may open this page."),
            404: gettext("There is no such page."),
        }
        return render_error(status, messages.get(status, error.name), None), status


def render_error(status: int, message: str, rule: str | None) -> str:
    titles = {
        400: gettext("The request was refused"),
        403: gettext("Not permitted"),
        404: gettext("Not found"),
        409: gettext("Someone got there first"),
        422: gettext("Check the input"),
    }
    return render_template(
        "error.html",
        status=status,
        title=titles.get(status, gettext("Something went wrong")),
        message=message,
        rule=rule,
    )
