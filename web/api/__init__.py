"""The JSON API under /api/: the same use cases and refusals as the CLI and the pages."""

from __future__ import annotations

from flask import Blueprint

api_blueprint = Blueprint("api", __name__)
