"""Sign in and out. The lockout rule lives in engine.services.accounts."""

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
from engine.services.accounts import record_logout
from web import context
from web.security import User
from web.security import current_username
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
        account = authenticate(
            context.runtime(), context.clock(), username, request.form.get("password", "")
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
    login_user(User(account))
    return redirect(same_site_path(request.form.get("next", "")) or url_for("home.index"))


@blueprint.post("/logout")
@signed_in
def logout() -> Response:
    record_logout(context.runtime(), context.clock(), current_username())
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))
