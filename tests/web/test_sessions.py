"""Server-side sessions: a copied cookie opens nothing after logout, a password reset or a
deactivation; sessions belong to the person, not the name; a sign-in rotates the session;
login costs the same for unknown names; pages are never cached; HSTS and Secure cookies
by configuration; the SQLite file is its owner's only."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from engine.clock import FixedClock
from engine.errors import NotPermitted
from engine.model import Person
from engine.model import WebSession
from engine.passwords import hash_password
from engine.schema import upgrade_schema
from engine.services import accounts
from engine.services.accounts import SESSION_MAX_DAYS
from engine.services.accounts import deactivate_account
from engine.services.administration import save_person
from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap
from engine.services.tokens import issue_token
from engine.settings import Settings
from tests.web.conftest import Browser
from tests.web.conftest import build_app
from tests.web.conftest import text
from web import create_app
from web.context import CLOCK_KEY

SESSION_COOKIE = "session"


def _signed_in(app: Flask, user: str) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(user).status_code == 302
    return browser


def _copy_of_cookie(app: Flask, browser: Browser) -> Browser:
    """Another browser holding the very same session cookie (as a thief would)."""
    cookie = browser.client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    thief = Browser(app.test_client())
    thief.client.set_cookie(SESSION_COOKIE, cookie.value)
    return thief


def _is_signed_in(browser: Browser) -> bool:
    response = browser.get("/cases")
    return response.status_code == 200


def _person_id(runtime: Runtime, username: str) -> int:
    with runtime.database.sessions() as session:
        found = session.scalar(select(Person.id).where(Person.username == username))
        assert found is not None
        return found


def _sessions_of(runtime: Runtime, username: str) -> int:
    with runtime.database.sessions() as session:
        query = (
            select(func.count())
            .select_from(WebSession)
            .join(Person, Person.id == WebSession.person_id)
            .where(Person.username == username)
        )
        return session.scalar(query) or 0


def test_an_old_cookie_opens_nothing_after_logout(app: Flask) -> None:
    browser = _signed_in(app, "maria")
    thief = _copy_of_cookie(app, browser)
    assert _is_signed_in(thief)
    browser.logout()
    assert not _is_signed_in(thief)
    assert thief.get("/cases").headers["Location"].startswith("/login")


def test_an_admin_password_reset_ends_every_session_of_the_person(
    app: Flask, runtime: Runtime, clock: FixedClock
) -> None:
    browser = _signed_in(app, "maria")
    other = _signed_in(app, "maria")
    values = {"username": "maria", "display_name": "Maria Månsson", "password": "nytt-losen-1"}
    save_person(runtime, clock, "petra", _person_id(runtime, "maria"), values)
    assert not _is_signed_in(browser)
    assert not _is_signed_in(other)
    assert _is_signed_in(_signed_in_with(app, "maria", "nytt-losen-1"))


def _signed_in_with(app: Flask, user: str, password: str) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(user, password).status_code == 302
    return browser


def test_changing_other_details_keeps_the_session(
    app: Flask, runtime: Runtime, clock: FixedClock
) -> None:
    browser = _signed_in(app, "maria")
    values = {"username": "maria", "display_name": "Maria M", "email": "maria@example.org"}
    save_person(runtime, clock, "petra", _person_id(runtime, "maria"), values)
    assert _is_signed_in(browser)


def test_deactivation_ends_sessions_revokes_tokens_and_refuses_sign_in(
    app: Flask, runtime: Runtime, clock: FixedClock
) -> None:
    browser = _signed_in(app, "maria")
    token = issue_token(runtime, clock, "maria", "reports").token
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/me", headers=bearer).status_code == 200
    assert deactivate_account(runtime, clock, "petra", "maria") == 1
    assert not _is_signed_in(browser)
    assert api.get("/api/me", headers=bearer).status_code == 401
    assert Browser(app.test_client()).login("maria").status_code == 401


def test_only_a_system_administrator_deactivates(
    app: Flask, runtime: Runtime, clock: FixedClock
) -> None:
    browser = _signed_in(app, "maria")
    with pytest.raises(NotPermitted):
        deactivate_account(runtime, clock, "sara", "maria")
    assert _is_signed_in(browser)


def test_a_session_belongs_to_the_person_not_the_user_name(
    app: Flask, runtime: Runtime, clock: FixedClock
) -> None:
    browser = _signed_in(app, "maria")
    with runtime.unit_of_work(clock) as uow:
        # The directory renames the old person and gives the name to someone new.
        uow.session.execute(
            update(Person).where(Person.username == "maria").values(username="maria-old")
        )
        uow.session.add(
            Person(username="maria", display_name="Maja Ny", password_hash=hash_password("x"))
        )
        uow.commit()
    page = text(browser.get("/cases"))
    assert "Maja Ny" not in page
    assert "Maria Månsson" in page


def test_a_sign_in_rotates_the_session(app: Flask, runtime: Runtime) -> None:
    browser = _signed_in(app, "maria")
    before = browser.client.get_cookie(SESSION_COOKIE)
    assert browser.login("olof").status_code == 302
    after = browser.client.get_cookie(SESSION_COOKIE)
    assert before is not None and after is not None and before.value != after.value
    assert _sessions_of(runtime, "maria") == 0  # the replaced session is gone
    assert _sessions_of(runtime, "olof") == 1


def test_only_the_sha256_of_a_session_id_is_stored(runtime: Runtime, clock: FixedClock) -> None:
    signed = accounts.authenticate(runtime, clock, "maria", "demo")
    with runtime.database.sessions() as session:
        stored = session.scalars(select(WebSession.token_hash)).all()
    assert stored == [hashlib.sha256(signed.session_id.encode()).hexdigest()]


def _count_scrypt(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real: Callable[..., bytes] = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    return calls


@pytest.mark.parametrize("username", ["maria", "nobody", ""])
def test_login_does_the_same_password_work_whether_or_not_the_user_exists(
    runtime: Runtime, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, username: str
) -> None:
    accounts.authenticate(runtime, clock, "olof", "demo")  # the dummy hash exists from now on
    calls = _count_scrypt(monkeypatch)
    with pytest.raises(NotPermitted):
        accounts.authenticate(runtime, clock, username, "wrong password")
    assert len(calls) == 1


def test_pages_and_api_answers_are_never_cached(app: Flask, runtime: Runtime) -> None:
    browser = _signed_in(app, "maria")
    for path in ("/cases", "/search?q=Fors", "/login"):
        assert browser.get(path).headers["Cache-Control"] == "no-store", path
    token = issue_token(runtime, app.config[CLOCK_KEY], "maria", "t").token
    answer = app.test_client().get("/api/cases", headers={"Authorization": f"Bearer {token}"})
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in answer.headers  # off for the http demo


def test_hsts_and_secure_cookies_by_configuration(
    runtime: Runtime, clock: FixedClock, tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {
            "SITHSFLOW_INSTANCE": str(tmp_path / "instance"),
            "SITHSFLOW_SECRET_KEY": "test-secret",
            "SITHSFLOW_HSTS": "1",
            "SITHSFLOW_SECURE_COOKIES": "1",
        }
    )
    app = create_app(settings, runtime)
    app.config.update(TESTING=True, **{CLOCK_KEY: clock})
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    cookies = page.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in cookie for cookie in cookies)
    plain = build_app(runtime, clock, tmp_path / "plain").test_client().get("/login")
    assert all("Secure" not in cookie for cookie in plain.headers.getlist("Set-Cookie"))


def test_a_new_sqlite_database_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "sithsflow.db"
    runtime = bootstrap(f"sqlite:///{path}")
    try:
        upgrade_schema(runtime.database)
    finally:
        runtime.database.dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_session_ends_thirty_days_after_its_sign_in(
    app: Flask, runtime: Runtime, clock: FixedClock
) -> None:
    signed_in_at = clock.now()
    browser = _signed_in(app, "maria")
    clock.set(signed_in_at + timedelta(days=SESSION_MAX_DAYS) - timedelta(minutes=1))
    assert _is_signed_in(browser)
    clock.set(signed_in_at + timedelta(days=SESSION_MAX_DAYS))
    assert not _is_signed_in(browser)
    _signed_in(app, "maria")  # a new sign-in prunes the old row
    assert _sessions_of(runtime, "maria") == 1
