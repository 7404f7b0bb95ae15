"""The blueprints, one per area of work."""

from __future__ import annotations

from flask import Flask


def register_views(app: Flask) -> None:
    from web.views import admin
    from web.views import auth
    from web.views import cards
    from web.views import cases
    from web.views import health
    from web.views import home
    from web.views import incidents
    from web.views import registers
    from web.views import reports
    from web.views import tasks
    from web.views import workspace

    for blueprint in (
        home.blueprint,
        health.blueprint,
        auth.blueprint,
        tasks.blueprint,
        cases.blueprint,
        cards.blueprint,
        reports.blueprint,
        admin.blueprint,
        incidents.blueprint,
        workspace.blueprint,
        registers.blueprint,
    ):
        app.register_blueprint(blueprint)
