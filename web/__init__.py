"""The Flask front: a thin adapter over engine.services (no rules in views or templates).

`create_app(settings, runtime)` as flaskr's factory: blueprints per area register here,
with login (Flask-Login), CSRF on every form but the token-authenticated API, Swedish
and English catalogues (Flask-Babel) and refusals mapped to pages (web.errors).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask import Response
from flask_wtf.csrf import CSRFProtect

from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap
from engine.settings import Settings
from web import request_guards

SECRET_KEY_FILE = "secret_key"
SESSION_HOURS = 10


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the app on `runtime` (or one bootstrapped from `settings`).

    Tests may set `app.config["SITHSFLOW_CLOCK"]` to a settable clock; otherwise the
    clock is `Settings.clock()` (a simulation or the system clock, web.context.clock).
    """
    settings = settings or Settings.from_env()
    runtime = runtime or bootstrap(settings.database_url)
    app = Flask(__name__, instance_path=str(settings.instance_dir.resolve()))
    request_guards.install(app)  # before any blueprint: it bounds `<int:…>` ids
    app.extensions["sithsflow.settings"] = settings
    app.extensions["sithsflow.runtime"] = runtime
    # One clock per process, for pages, API and the banner (web.context.clock).
    app.extensions["sithsflow.clock"] = settings.clock()
    app.config.update(
        SECRET_KEY=settings.secret_key or _instance_secret_key(Path(app.instance_path)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        MAX_CONTENT_LENGTH=256 * 1024,
    )

    from web.api import api_blueprint

    app.register_blueprint(api_blueprint, url_prefix="/api")
    csrf = CSRFProtect(app)
    # The API authenticates each request with a bearer token, not a cookie: no CSRF there.
    csrf.exempt(api_blueprint)

    from web import errors
    from web import i18n
    from web import security
    from web import simulation
    from web.views import register_views

    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    simulation.init_app(app)
    register_views(app)
    app.after_request(_security_headers)
    return app


def _instance_secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, so sessions survive a restart."""
    path = instance / SECRET_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    return key


def _security_headers(response: Response) -> Response:
    # No inline scripts or styles anywhere, so a strict policy costs nothing.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
