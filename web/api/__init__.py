"""The JSON API under /api/: the same use cases and refusals as the CLI and the pages.

routes.py   the views, one service call each
process_routes.py  /processes: deploy, versions, activate, suspend, resume, diff (S1)
register_routes.py  /stock, /employments, /closing-days, /organisations/…/settings, /rosters
auth.py     bearer tokens (engine/services/tokens.py), no session, no CSRF
errors.py   DomainError → 401/403/404/409/422 `{"rule", "message"}`
context.py  runtime, clock, caller and body for a view
openapi.py  /api/openapi.json, schemas.py its component schemas
"""

from __future__ import annotations

from web.api import process_routes  # noqa: F401 - registers the /processes views
from web.api import register_routes  # noqa: F401 - registers the operators' registers
from web.api.routes import api_blueprint

__all__ = ["api_blueprint"]
