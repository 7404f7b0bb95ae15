"""The Flask front: a thin adapter over engine.services (no rules in views or templates).

`create_app(settings, runtime)` as flaskr's factory: blueprints per area register here.
"""

from __future__ import annotations

from flask import Flask

from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap
from engine.settings import Settings


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the app on `runtime` (or one bootstrapped from `settings`)."""
    settings = settings or Settings.from_env()
    runtime = runtime or bootstrap(settings.database_url)
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.extensions["sithsflow.settings"] = settings
    app.extensions["sithsflow.runtime"] = runtime

    from web.api import api_blueprint

    app.register_blueprint(api_blueprint, url_prefix="/api")
    return app
