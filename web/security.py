"""Sign-in with Flask-Login, and the role check every page declares.

The account (with its roles on the clock's day) is reloaded from the database on each
request, so a right that ends or an account that is removed takes effect at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec
from typing import TypeVar

from flask import Flask
from flask import abort
from flask_babel import lazy_gettext
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import current_user
from flask_login import login_required

from engine.errors import NotFound
from engine.services.accounts import Account
from engine.services.accounts import load_account
from engine.services.read_scope import Reader
from web import context

P = ParamSpec("P")
R = TypeVar("R")


class User(UserMixin):  # type: ignore[misc]
    """The Flask-Login user: an engine Account keyed by user name."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return self.account.username

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


def _load_user(username: str) -> User | None:
    try:
        return User(load_account(context.runtime(), context.clock(), username))
    except NotFound:
        return None  # Flask-Login's way to say "signed out".


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
