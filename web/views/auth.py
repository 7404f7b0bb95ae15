"""Sign in and out. The lockout rule and the sessions live in engine.services.accounts."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from engine.errors import NotPermitted
from engine.services.accounts import authenticate
from engine.services.accounts import end_session
from web import context
from web.security import User
from web.security import current_session_id
from web.security import signed_in
from web.views.home import same_site_path

blueprint = Blueprint("auth", __name__)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("home.index"))
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "")
    try:
        # A sign-in rotates the session: the browser's old one (if any) ends.
        signed = authenticate(
            context.runtime(),
            context.clock(),
            username,
            request.form.get("password", ""),
            replaces=current_session_id(),
        )
    except NotPermitted as refused:
        page = render_template(
            "login.html", error=refused.message, username=username, next=request.form.get("next")
        )
        return page, 401
    lang = session.get("lang")
    session.clear()  # a fresh session at sign-in, keeping only the chosen language
    if lang:
        session["lang"] = lang
    login_user(User(signed.account, signed.session_id))
    return redirect(same_site_path(request.form.get("next", "")) or url_for("home.index"))


@blueprint.post("/logout")
@signed_in
def logout() -> Response:
    # The session's row goes: a copy of this cookie opens nothing afterwards.
    session_id = current_session_id()
    if session_id:
        end_session(context.runtime(), context.clock(), session_id)
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))
