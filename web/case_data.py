"""A case's data as people read it: labelled, ordered, with local times and enum labels.

The engine keeps a case's data as workflow variables (`holder`, `first_verified_at`,
`certificate_valid_until`, ...). The case and task pages show them as facts: a label in
the session's language, instants in Stockholm time with the weekday, an ID document by
its form's label. Known keys come in the order a reader asks about them (who, how they
were verified, which card and how long it is valid); keys no one has labelled yet still
show, under their own name, after them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

from engine.forms import FormRegistry
from web.i18n import format_local
from web.i18n import language

# The order of this table is the order on the page: the card user, how the identity was
# verified (R6, R7, R15), then the card, its validity and the renewals (R11, R14).
LABELS: dict[str, LazyString] = {
    "holder": lazy_gettext("Card user"),
    "holder_name": lazy_gettext("Name"),
    "holder_number": lazy_gettext("Personal number"),
    "loa": lazy_gettext("Level of assurance"),
    "reason": lazy_gettext("Reason"),
    "ordered_by": lazy_gettext("Ordered by"),
    # R20: the two colleagues who attest a forgotten card, whose turn it is, how many have.
    "attester_1": lazy_gettext("First attester"),
    "attester_2": lazy_gettext("Second attester"),
    "next_attester": lazy_gettext("Next to attest"),
    "attestations": lazy_gettext("Attestations made"),
    "id_document": lazy_gettext("ID document"),
    "first_admin": lazy_gettext("First verified by"),
    "first_verified_at": lazy_gettext("First verified at"),
    "deadline_at": lazy_gettext("Deadline (R7)"),
    "second_id_document": lazy_gettext("Second ID document"),
    "second_admin": lazy_gettext("Second verified by"),
    "card_number": lazy_gettext("Card number"),
    "valid_until": lazy_gettext("Valid until"),
    "valid_for_national_systems": lazy_gettext("National systems"),
    "reminder_at": lazy_gettext("Renewal reminder"),
    "cycle": lazy_gettext("Renewal cycle"),
    "renewed_by": lazy_gettext("Renewed by"),
}
# The certificate's end in UTC, for the timers: the same instant as `valid_until`.
HIDDEN = frozenset({"certificate_valid_until"})
# Data key -> the form field whose enum labels name its values.
ENUM_FIELDS = {
    "id_document": "id_document",
    "second_id_document": "id_document",
    "attestation": "attestation",  # R20: an attester's step
}
# Data key -> (endpoint, argument) of the page about the value.
LINKS = {"holder": ("cards.find_person", "label"), "card_number": ("cards.card", "number")}


@dataclass(frozen=True)
class Fact:
    """One line of case data: "Giltigt till: mån 2026-12-07 15:01"."""

    key: str
    label: str
    text: str
    href: str | None = None


def case_facts(
    data: Mapping[str, Any],
    process: str,
    forms: FormRegistry,
    holder: str | None = None,
    *,
    links: bool = True,
) -> list[Fact]:
    """The case's data as facts, known keys first in their order, then the rest.

    `holder` is the case's card user, shown when the data does not name one (a process
    deployed later may keep its data under other keys). `links` False leaves out the links
    to the holder's and the card's pages, for a card user or an attester who does not open
    those pages (S2).
    """
    if "holder" not in data and holder:
        data = {"holder": holder, **data}
    known = [key for key in LABELS if key in data]
    unknown = [key for key in data if key not in LABELS and key not in HIDDEN]
    return [_fact(key, data[key], process, forms, links) for key in (*known, *unknown)]


def _fact(key: str, value: Any, process: str, forms: FormRegistry, links: bool) -> Fact:
    label = str(LABELS[key]) if key in LABELS else _field_label(forms, process, key)
    href = None
    if links and key in LINKS and value:
        endpoint, argument = LINKS[key]
        values: dict[str, Any] = {argument: str(value)}
        href = url_for(endpoint, **values)
    return Fact(key, label, _text(key, value, process, forms), href)


def _text(key: str, value: Any, process: str, forms: FormRegistry) -> str:
    if value is None or value == "":
        return "—"
    if key == "valid_for_national_systems":
        # R14: a LoA2 certificate running past 2026-06-30 is refused by the national systems.
        return _yes() if value else str(gettext("No — not valid for NLL, Pascal, NPÖ (R14)"))
    if isinstance(value, bool):
        return _yes() if value else str(gettext("No"))
    if key == "loa":
        return f"LoA{value}"
    if key in ENUM_FIELDS:
        return _enum_label(forms, process, ENUM_FIELDS[key], str(value))
    if isinstance(value, str) and _is_instant(value):
        return format_local(value)
    return str(value)


def _yes() -> str:
    return str(gettext("Yes"))


def _field_label(forms: FormRegistry, process: str, key: str) -> str:
    """The label a form of the process gives the field (a `comment` reads "Kommentar"),
    else the key itself."""
    for form in forms:
        if form.process_id == process and key in form.field_names():
            return form.label(key, language())
    return key


def _enum_label(forms: FormRegistry, process: str, field: str, value: str) -> str:
    """The label a form of the process gives the value, else the value itself."""
    for form in forms:
        if form.process_id == process and field in form.field_names():
            label = form.enum_labels(field, language()).get(value)
            if label:
                return label
    return value


def _is_instant(text: str) -> bool:
    """An ISO 8601 time with its offset, as the engine stores instants."""
    if "T" not in text:
        return False
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return False
    return parsed.utcoffset() is not None


def entered_fields(entry: Mapping[str, Any], process: str, forms: FormRegistry) -> list[Fact]:
    """The fields a completed step entered (a `case show` history entry's `fields`), labelled
    by that step's form: both LoA3 administrators' ID documents stay visible (R6)."""
    fields: Mapping[str, Any] = entry.get("fields") or {}
    form = forms.get(process, str(entry.get("task") or ""))
    facts = []
    for key, value in fields.items():
        label = key
        if form is not None and key in form.field_names():
            label = form.label(key, language())
        facts.append(Fact(key, label, _text(key, value, process, forms)))
    return facts


def document_label(forms: FormRegistry, value: str) -> str:
    """An ID document by the label a form gives it (`passport` → "Pass"), else the value."""
    for form in forms:
        if "id_document" in form.field_names():
            label = form.enum_labels("id_document", language()).get(value)
            if label:
                return label
    return value
