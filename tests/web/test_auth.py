"""Signing in and out: hashed passwords, lockout, CSRF, cookie flags, /healthz."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from engine.clock import FixedClock
from engine.model import AuditEvent
from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap
from tests.web.conftest import Browser
from tests.web.conftest import build_app
from tests.web.conftest import text


def test_demo_user_signs_in_and_lands_on_her_queues(browser: Browser) -> None:
    response = browser.login("anna")
    assert response.status_code == 302
    assert browser.get("/").headers["Location"].endswith("/tasks")
    assert "Mina uppgifter" in text(browser.get("/tasks"))


def test_wrong_password_is_refused_without_saying_whether_the_user_exists(
    browser: Browser,
) -> None:
    wrong = browser.login("anna", "fel")
    unknown = browser.login("nobody", "demo")
    assert wrong.status_code == unknown.status_code == 401
    assert "Fel användarnamn eller lösenord." in text(wrong)
    assert "Fel användarnamn eller lösenord." in text(unknown)


def test_five_failures_lock_the_account_for_fifteen_minutes_and_are_audited(
    browser: Browser, clock: FixedClock, runtime: Runtime
) -> None:
    for _ in range(5):
        browser.login("bertil", "wrong")
    locked = browser.login("bertil", "demo")
    assert locked.status_code == 401
    assert "Kontot är låst" in text(locked)
    clock.set(clock.now() + timedelta(minutes=15, seconds=1))
    assert browser.login("bertil", "demo").status_code == 302
    with runtime.database.sessions() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == "bertil")
        ).all()
    assert actions.count("login_failed") == 4
    assert "locked_out" in actions
    assert "login_refused_locked" in actions
    assert actions[-1] == "login"


def test_a_post_without_csrf_token_is_refused_with_400(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/login", data={"username": "anna", "password": "demo"})
    assert response.status_code == 400
    assert "Formuläret hade gått ut" in response.get_data(as_text=True)


def test_signed_in_post_without_token_is_refused(browser: Browser) -> None:
    browser.login("david")
    response = browser.client.post("/start/loa2", data={"holder": "erik", "reason": "Glömt kort"})
    assert response.status_code == 400


def test_session_cookie_is_http_only_and_same_site_lax(browser: Browser) -> None:
    response = browser.login("sara")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_logout_needs_a_post_and_ends_the_session(browser: Browser) -> None:
    browser.login("sara")
    assert browser.client.get("/logout").status_code == 405
    assert browser.logout().status_code == 302
    assert browser.get("/tasks").status_code == 302


def test_pages_redirect_to_login_when_signed_out(browser: Browser) -> None:
    response = browser.get("/cases")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_healthz_answers_200_with_the_database_up(browser: Browser) -> None:
    assert browser.get("/healthz").status_code == 200


def test_healthz_answers_503_when_the_database_is_unreachable(
    clock: FixedClock, tmp_path: Path
) -> None:
    runtime = bootstrap("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    app = build_app(runtime, clock, tmp_path / "instance")
    assert app.test_client().get("/healthz").status_code == 503


def test_a_secret_key_is_made_and_kept_in_the_instance_folder(
    runtime: Runtime, clock: FixedClock, tmp_path: Path
) -> None:
    from engine.settings import Settings
    from web import create_app

    settings = Settings.from_env({"SITHSFLOW_INSTANCE": str(tmp_path)})
    first = create_app(settings, runtime).config["SECRET_KEY"]
    second = create_app(settings, runtime).config["SECRET_KEY"]
    assert first == second
    assert len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
