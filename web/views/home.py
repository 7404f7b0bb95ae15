"""The front door: where each role starts its day and the language switch (the probes are
in web/views/health.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.access import ADMINS
from web.access import CARD_USERS
from web.access import READERS
from web.access import WORKERS
from web.i18n import LANGUAGES
from web.security import signed_in

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
@signed_in
def index() -> Response | str:
    """Workers land on their queues, readers on the cases, administrators on the registers,
    card users (employed, no administrator's role) on their steps and forgotten-card start."""
    if current_user.has_any_role(*WORKERS):
        return redirect(url_for("tasks.queues"))
    if current_user.has_any_role(*READERS):
        return redirect(url_for("cases.index"))
    if current_user.has_any_role(*ADMINS):
        return redirect(url_for("admin.index"))
    if current_user.has_any_role(*CARD_USERS):
        return redirect(url_for("tasks.queues"))
    return render_template("no_role.html")


@blueprint.post("/language")
def choose_language() -> Response:
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(same_site_path(request.form.get("next", "")) or url_for("home.index"))


def same_site_path(target: str) -> str | None:
    """Only a path on this site, so the switch cannot send anyone elsewhere."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
