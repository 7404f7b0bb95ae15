"""A form of forms/ as the templates draw it: labels, help, choices, values and errors.

The schema is the one source: the same file the case service validates against gives the
labels and help texts (which cite the rules) in the session's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.forms import Form
from engine.forms import FormInvalid
from engine.services.model_values import ModelValues
from web.i18n import language

# Longer free text gets a text area, which is easier to use on a tablet.
TEXTAREA_FROM_LENGTH = 200


@dataclass(frozen=True)
class FieldView:
    name: str
    label: str
    help: str
    required: bool
    widget: str  # "text", "select", "textarea" or "date"
    choices: list[tuple[str, str]]
    value: str
    error: str | None
    max_length: int | None
    # A date field's latest allowed date (ISO), from the policy in force for the case.
    latest: str | None = None


@dataclass(frozen=True)
class FormView:
    title: str
    rules: tuple[str, ...]
    fields: list[FieldView]
    other_errors: list[str]


def form_view(
    form: Form | None,
    values: Mapping[str, str] | None = None,
    refused: FormInvalid | None = None,
    shown: ModelValues | None = None,
) -> FormView | None:
    """The form to draw; None for a task without fields (it only needs confirming).

    `shown`: the deadline and limits of the model in force, filled into the help texts.
    """
    if form is None:
        return None
    lang = language()
    values = values or {}
    errors = {}
    if refused is not None:
        errors = refused.field_errors_en if lang == "en" else refused.field_errors
    latest = shown.latest_valid_until.isoformat() if shown and shown.latest_valid_until else None
    fields = []
    for name in form.field_names():
        spec = form.schema["properties"][name]
        choices = list(form.enum_labels(name, lang).items())
        max_length = spec.get("maxLength")
        if choices:
            widget = "select"
        elif spec.get("format") == "date-or-aware-date-time":
            widget = "date"
        elif max_length is not None and max_length >= TEXTAREA_FROM_LENGTH:
            widget = "textarea"
        else:
            widget = "text"
        fields.append(
            FieldView(
                name=name,
                label=form.label(name, lang),
                help=form.help(name, lang, shown.placeholders(lang) if shown else None),
                required=name in form.required_fields(),
                widget=widget,
                choices=choices,
                value=str(values.get(name, "")),
                error=errors.get(name),
                max_length=max_length,
                latest=latest if widget == "date" else None,
            )
        )
    other = [message for name, message in errors.items() if name not in form.field_names()]
    return FormView(form.title(lang), form.rules(), fields, other)


def submitted(form: Form | None, posted: Mapping[str, str]) -> dict[str, str]:
    """The posted values of the form's own fields (the CSRF token and buttons left out)."""
    if form is None:
        return {}
    return {name: posted[name] for name in form.field_names() if name in posted}
