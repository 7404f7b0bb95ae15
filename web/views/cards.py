"""Cards, people and the search that finds them."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from engine.errors import DomainError
from engine.model.revocations import REVOCATION_REASONS
from engine.services import lookup
from engine.services import queries
from engine.services.revoke import revoke_card
from web import context
from web.access import READERS
from web.case_data import document_label
from web.i18n import localized
from web.security import current_reader
from web.security import current_username
from web.security import requires

blueprint = Blueprint("cards", __name__)


@blueprint.get("/search")
@requires(*READERS)
def search() -> Response | str:
    """By holder (name, user name, personal number) or card number; one hit opens it."""
    text = request.args.get("q", "")
    cursor = request.args.get("cursor") or None
    found = lookup.search(context.runtime(), text, cursor=cursor, reader=current_reader())
    if len(found.hits) == 1 and cursor is None and found.next_cursor is None:
        hit = found.hits[0]
        if hit.kind == "card":
            return redirect(url_for("cards.card", number=hit.key))
        return redirect(url_for("cards.person", person_id=int(hit.key)))
    return render_template("search.html", q=text, hits=found.hits, next_cursor=found.next_cursor)


@blueprint.get("/cards/<number>")
@requires(*READERS)
def card(number: str) -> str:
    runtime = context.runtime()
    # S2: outside the reader's scope this is the 404 of a card that does not exist; once
    # shown, its history needs no second look at the scope.
    shown = queries.show_card(runtime, number, reader=current_reader())
    history = lookup.card_history(runtime, number)
    documents = {
        v["id_document"]: document_label(runtime.forms, v["id_document"])
        for c in shown["certificates"]
        for v in c["verifications"]
    }
    return render_template(
        "card.html",
        card=shown,
        history=history,
        documents=documents,
        revocation_reasons=REVOCATION_REASONS,
    )


@blueprint.post("/cards/<number>/revoke")
@requires("service_desk")
def revoke(number: str) -> Response:
    """R19: the service desk revokes the card; the engine checks the rest."""
    try:
        revoked = revoke_card(
            context.runtime(),
            context.clock(),
            number,
            current_username(),
            request.form.get("reason", ""),
            request.form.get("via") or None,
        )
    except DomainError as refused:
        flash(localized(refused.message), "error")
    else:
        flash(gettext("Card %(number)s revoked.", number=revoked.number), "success")
    return redirect(url_for("cards.card", number=number))


@blueprint.get("/people/<int:person_id>")
@requires(*READERS)
def person(person_id: int) -> str:
    shown = lookup.show_person(context.runtime(), person_id, reader=current_reader())
    return render_template("person.html", person=shown)


@blueprint.get("/people/find/<label>")
@requires(*READERS)
def find_person(label: str) -> Response:
    """A holder as a case or card names them (user name or number) to their page."""
    person_id = lookup.person_id_of(context.runtime(), label, reader=current_reader())
    return redirect(url_for("cards.person", person_id=person_id))
