"""Sign-in with Flask-Login, and the role check every page declares.

Flask-Login keeps only the server-side session id in the signed cookie (`User.get_id`);
each request resumes that session from the database (engine.services.accounts) with the
account's roles on the clock's day, so a logout, a new password, a deactivation, a right
that ends or an account that is removed takes effect at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec
from typing import TypeVar

from flask import Flask
from flask import Response
from flask import abort
from flask import request
from flask_babel import lazy_gettext
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import current_user
from flask_login import login_required

from engine.errors import NotFound
from engine.services.accounts import Account
from engine.services.accounts import resume_session
from engine.services.read_scope import Reader
from web import context

P = ParamSpec("P")
R = TypeVar("R")


class User(UserMixin):  # type: ignore[misc]
    """The Flask-Login user: an engine Account keyed by its server-side session id."""

    def __init__(self, account: Account, session_id: str) -> None:
        self.account = account
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id

    @property
    def username(self) -> str:
        return self.account.username

    @property
    def display_name(self) -> str:
        return self.account.display_name

    @property
    def roles(self) -> tuple[str, ...]:
        return self.account.roles

    def has_any_role(self, *roles: str) -> bool:
        return self.account.has_any_role(*roles)


def init_app(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = lazy_gettext("Please sign in to see that page.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"

    manager.user_loader(_load_user)
    app.after_request(_transport_and_caching)


HSTS_VALUE = "max-age=31536000; includeSubDomains"
STATIC_ENDPOINT = "static"


def _transport_and_caching(response: Response) -> Response:
    """No shared or browser cache keeps a page or an API answer (they carry personal data:
    personnummer, cases, cards); static files may be cached. HSTS when configured
    (SITHSFLOW_HSTS=1, only behind HTTPS)."""
    if request.endpoint != STATIC_ENDPOINT:
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Pragma", "no-cache")
    if context.settings().hsts:
        response.headers.setdefault("Strict-Transport-Security", HSTS_VALUE)
    return response


def _load_user(session_id: str) -> User | None:
    try:
        return User(resume_session(context.runtime(), context.clock(), session_id), session_id)
    except NotFound:
        return None  # Flask-Login's way to say "signed out".


def current_session_id() -> str | None:
    """The signed-in browser's session id (None when signed out)."""
    if not current_user.is_authenticated:
        return None
    found: str = current_user.session_id
    return found


def current_username() -> str:
    """The signed-in user's name (views behind `requires` only)."""
    name: str = current_user.username
    return name


def current_reader() -> Reader:
    """The signed-in user as an S2 reader at the clock's instant (views behind `requires`)."""
    return Reader(current_username(), context.clock().now())


def signed_in(view: Callable[P, R]) -> Callable[P, R]:
    """Any signed-in user (Flask-Login's `login_required`, typed)."""
    guarded: Callable[P, R] = login_required(view)
    return guarded


def requires(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Signed in and holding one of `roles` today, else 403 (the page of web.errors)."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.has_any_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        guarded: Callable[P, R] = login_required(checked)
        return guarded

    return decorate
