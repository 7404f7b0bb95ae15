"""Forms: one JSON Schema (draft 2020-12) per start form and user task, checked server-side.

A form lives in `forms/<process-id>.<form-id>.json`. The form id is the BPMN id of the
user task (`second_verification`), or `start` for the start event. A task without a file
has no form and accepts no fields. See `forms/README.md` for the keywords a form carries.

    registry = FormRegistry.load()
    registry.validate("loa3-reserve", "start", {"holder": " erik ", "id_document": "passport"})
    # {"holder": "erik", "id_document": "passport"}
    registry.validate("loa3-reserve", "second_verification", {"card_number": "12"})
    # FormInvalid: Obligatoriskt fält saknas: 'id_document' (ID-handling). Fältet 'card_number'
    # (Kortnummer) måste ha formen RK000001. … / Required field missing: 'id_document' …
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import Protocol

from jsonschema import Draft202012Validator
from jsonschema import FormatChecker
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError

from engine.errors import Invalid

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
START_FORM_ID = "start"
LANGUAGES = ("sv", "en")
DATE_OR_AWARE_TIME_FORMAT = "date-or-aware-date-time"

_DATE_OR_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?"
)
_FIELD_KEYWORDS = ("title", "x-title-en", "x-help-sv", "x-help-en")
# `x-normalise`: how a typed value is read before it is checked (issue 11): a card number in
# upper case (`rk000001` is RK000001), a user name in lower case (` Erik ` is erik).
NORMALISERS = {"upper": str.upper, "lower": str.lower}
_FORM_KEYWORDS = ("title", "x-title-en", "x-rules")


def is_date_or_aware_time(value: object) -> bool:
    """`2026-12-07` or an ISO-8601 time with an offset; a naive time is ambiguous across DST."""
    if not isinstance(value, str):
        return True  # `type` reports non-strings
    if _DATE_OR_TIME.fullmatch(value) is None:
        return False
    try:
        if "T" in value:
            return datetime.fromisoformat(value).tzinfo is not None
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# Only our own format is asserted; standard formats stay annotations, as draft 2020-12 has them.
FORMAT_CHECKER = FormatChecker(formats=())
FORMAT_CHECKER.checks(DATE_OR_AWARE_TIME_FORMAT)(is_date_or_aware_time)


class FormDefinitionError(ValueError):
    """A file in forms/ is not a usable form; the message names the file.

    `faults` lists each fault as (field or None for the form itself, English sentence), so
    a deploy can name the field of each problem and the workspace's form editor mark it.
    """

    def __init__(self, message: str, faults: tuple[tuple[str | None, str], ...] = ()) -> None:
        super().__init__(message)
        self.faults = faults or ((None, message),)


class FormInvalid(Invalid):
    """Form values were refused; `field_errors` maps each failing field to a Swedish sentence.

    The sentences name a field by its label ("Fältet Kortnummer …"), as the pages show
    them beside the field. The message, which the CLI and the API print whole, lists every
    failing field in Swedish, then " / ", then in English, each led by its key
    (`card_number: …`), the name a `--set` or a JSON body uses.
    """

    def __init__(self, field_errors: dict[str, str], field_errors_en: dict[str, str]) -> None:
        message = _keyed(field_errors) + " / " + _keyed(field_errors_en)
        super().__init__(message, rule=None)
        self.field_errors = field_errors
        self.field_errors_en = field_errors_en


def _keyed(errors: Mapping[str, str]) -> str:
    """Each sentence led by its field's key, unless it quotes the key already."""
    return " ".join(
        f"{key}: {text}" if key and f"'{key}'" not in text else text for key, text in errors.items()
    )


@dataclass(frozen=True)
class Form:
    """One form's schema with its labels; treat `schema` as read-only."""

    process_id: str
    form_id: str
    schema: Mapping[str, Any]

    def field_names(self) -> tuple[str, ...]:
        """Fields in the order the form shows them."""
        return tuple(self._properties())

    def required_fields(self) -> tuple[str, ...]:
        return tuple(self.schema.get("required", ()))

    def rules(self) -> tuple[str, ...]:
        """The rule IDs the form serves (`x-rules`)."""
        return tuple(self.schema["x-rules"])

    def title(self, lang: str = "sv") -> str:
        return str(self.schema[_keyword("title", lang)])

    def label(self, field: str, lang: str = "sv") -> str:
        """The field's title in Swedish (`title`) or English (`x-title-en`)."""
        return str(self._field(field)[_keyword("title", lang)])

    def help(self, field: str, lang: str = "sv", values: Mapping[str, str] | None = None) -> str:
        """The field's help text, citing the rules behind it (`x-help-sv`, `x-help-en`).

        `{r7_days}`, `{loa2_max_validity}` and the like are filled in from `values`, the
        numbers of the model in force (`engine.services.model_values`): a help text never
        repeats a deadline or a limit the model owns.
        """
        text = str(self._field(field)[f"x-help-{_language(lang)}"])
        for name, value in (values or {}).items():
            text = text.replace("{" + name + "}", value)
        return text

    def enum_labels(self, field: str, lang: str = "sv") -> dict[str, str]:
        """Value → label for an enum field, in the schema's `enum` order (the order the form's
        author chose); empty for a free-text field."""
        spec = self._field(field)
        labels: Mapping[str, str] = spec.get(f"x-enum-labels-{_language(lang)}", {})
        order = [str(value) for value in spec.get("enum", ())]
        ordered = {value: labels[value] for value in order if value in labels}
        return {**ordered, **labels}

    def _properties(self) -> Mapping[str, Mapping[str, Any]]:
        properties: Mapping[str, Mapping[str, Any]] = self.schema.get("properties", {})
        return properties

    def _field(self, field: str) -> Mapping[str, Any]:
        try:
            return self._properties()[field]
        except KeyError:
            raise KeyError(f"{self.process_id}.{self.form_id} has no field {field!r}") from None


class StoredForms(Protocol):
    """A deployed process version as far as its forms go (engine.model.ProcessVersion)."""

    @property
    def process_id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def checksum(self) -> str: ...
    @property
    def forms_json(self) -> str: ...


class FormRegistry:
    """Forms found by (process id, form id): the files in forms/, or a deployed version's.

    A case renders and validates the forms of its own process version: pass `version=`
    (the case's `ProcessVersion`) to `get` and `validate`. A version's forms are read from
    its row once and cached by (process, version, checksum); a form the version lacks is
    no form, never the file in forms/ (which may belong to another version).
    """

    def __init__(self, forms: Mapping[tuple[str, str], Form]) -> None:
        self._forms = dict(forms)
        self._validators = {
            key: Draft202012Validator(form.schema, format_checker=FORMAT_CHECKER)
            for key, form in self._forms.items()
        }
        self._versions: dict[tuple[str, int, str], FormRegistry] = {}

    @classmethod
    def from_schemas(cls, process_id: str, schemas: Mapping[str, Any]) -> FormRegistry:
        """The forms of one process version, as deployed (checked at deploy)."""
        return cls(
            {
                (process_id, form_id): Form(process_id, form_id, schema)
                for form_id, schema in schemas.items()
            }
        )

    def of_version(self, version: StoredForms) -> FormRegistry:
        """The forms deployed with `version` (cached; versions never change)."""
        key = (version.process_id, version.version, version.checksum)
        found = self._versions.get(key)
        if found is None:
            found = FormRegistry.from_schemas(
                version.process_id, json.loads(version.forms_json or "{}")
            )
            self._versions[key] = found
        return found

    @classmethod
    def load(cls, directory: Path = FORMS_DIR) -> FormRegistry:
        """Read and check every `*.json` in `directory`.

        Raises FormDefinitionError, naming the file, on the first file that is not a valid
        draft 2020-12 schema or lacks the sithsflow keywords (see forms/README.md).
        """
        forms: dict[tuple[str, str], Form] = {}
        for path in sorted(directory.glob("*.json")):
            form = _read_form(path)
            forms[(form.process_id, form.form_id)] = form
        return cls(forms)

    def __iter__(self) -> Iterator[Form]:
        return iter(self._forms.values())

    def __len__(self) -> int:
        return len(self._forms)

    def get(self, process_id: str, form_id: str, version: StoredForms | None = None) -> Form | None:
        """The form of a task; None means the task has no form (and takes no fields)."""
        if version is not None:
            return self.of_version(version).get(process_id, form_id)
        return self._forms.get((process_id, form_id))

    def validate(
        self,
        process_id: str,
        form_id: str,
        values: Mapping[str, Any],
        version: StoredForms | None = None,
    ) -> dict[str, Any]:
        """Return the cleaned values or raise FormInvalid naming every failing field.

        Strings are stripped; an empty string counts as not given, so a required field left
        empty is missing and an optional one is dropped.
        """
        if version is not None:
            return self.of_version(version).validate(process_id, form_id, values)
        form = self.get(process_id, form_id)
        cleaned = _clean(values, form.field_names() if form else (), _normalisers(form))
        if form is None:
            if cleaned:
                unknown = sorted(cleaned)
                raise FormInvalid(
                    {name: _unknown_sv(name, ()) for name in unknown},
                    {name: _unknown_en(name, ()) for name in unknown},
                )
            return {}
        validator = self._validators[(process_id, form_id)]
        problems: dict[str, tuple[str, str]] = {}
        for error in validator.iter_errors(cleaned):
            for field, sv, en in _describe(form, error):
                problems.setdefault(field, (sv, en))
        if problems:
            declared = form.field_names()
            order = [f for f in declared if f in problems]
            order += sorted(f for f in problems if f not in declared)
            raise FormInvalid(
                {f: problems[f][0] for f in order}, {f: problems[f][1] for f in order}
            )
        return cleaned


def _clean(
    values: Mapping[str, Any], declared: tuple[str, ...], normalisers: Mapping[str, str]
) -> dict[str, Any]:
    """Strip strings and apply each field's `x-normalise`; drop empty declared fields, keep
    unknown ones so they are refused."""
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip()
            if not value and key in declared:
                continue
            if key in normalisers:
                value = NORMALISERS[normalisers[key]](value)
        cleaned[str(key)] = value
    return cleaned


def _normalisers(form: Form | None) -> dict[str, str]:
    """Field → `x-normalise` of the form's fields that have one."""
    if form is None:
        return {}
    properties: Mapping[str, Mapping[str, Any]] = form.schema.get("properties", {})
    return {
        name: str(spec["x-normalise"]) for name, spec in properties.items() if "x-normalise" in spec
    }


def _describe(form: Form, error: ValidationError) -> list[tuple[str, str, str]]:
    """(field, Swedish sentence, English sentence) for one schema error."""
    if error.validator == "required" and isinstance(error.instance, Mapping):
        return [
            (
                name,
                f"Obligatoriskt fält saknas: {form.label(name, 'sv')}.",
                f"Required field missing: {form.label(name, 'en')}.",
            )
            for name in form.required_fields()
            if name not in error.instance
        ]
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        declared = form.field_names()
        return [
            (str(name), _unknown_sv(str(name), declared), _unknown_en(str(name), declared))
            for name in error.instance
            if name not in declared
        ]
    if not error.path:
        return [("", "Formuläret är ogiltigt.", "The form is invalid.")]
    field = str(error.path[0])
    sv, en = _field_phrase(form, field, error)
    return [
        (
            field,
            f"Fältet {form.label(field, 'sv')} {sv}.",
            f"The field {form.label(field, 'en')} {en}.",
        )
    ]


def _field_phrase(form: Form, field: str, error: ValidationError) -> tuple[str, str]:
    spec = form.schema["properties"][field]
    keyword = error.validator
    if keyword in ("pattern", "format") and "x-invalid-sv" in spec:
        return str(spec["x-invalid-sv"]), str(spec["x-invalid-en"])
    if keyword == "enum":
        sv_labels = form.enum_labels(field, "sv")
        en_labels = form.enum_labels(field, "en")
        return (
            "måste vara ett av: " + ", ".join(f"{v} ({sv_labels[v]})" for v in spec["enum"]),
            "must be one of: " + ", ".join(f"{v} ({en_labels[v]})" for v in spec["enum"]),
        )
    if keyword == "minLength":
        return f"måste ha minst {spec['minLength']} tecken", (
            f"must have at least {spec['minLength']} characters"
        )
    if keyword == "maxLength":
        return f"får ha högst {spec['maxLength']} tecken", (
            f"may have at most {spec['maxLength']} characters"
        )
    if keyword == "type":
        return "måste vara text", "must be text"
    return "har ett ogiltigt värde", "has an invalid value"


def _unknown_sv(name: str, declared: tuple[str, ...]) -> str:
    if not declared:
        return f"Okänt fält: '{name}'. Uppgiften har inget formulär och tar inga fält."
    return f"Okänt fält: '{name}'. Formulärets fält: {', '.join(declared)}."


def _unknown_en(name: str, declared: tuple[str, ...]) -> str:
    if not declared:
        return f"Unknown field: '{name}'. This task has no form and takes no fields."
    return f"Unknown field: '{name}'. The form's fields: {', '.join(declared)}."


def _read_form(path: Path) -> Form:
    process_id, dot, form_id = path.stem.rpartition(".")
    if not dot or not process_id or not form_id:
        raise FormDefinitionError(f"{path.name}: name it <process-id>.<form-id>.json")
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormDefinitionError(f"{path.name}: not readable JSON: {error}") from error
    return form_from_schema(path.name, process_id, form_id, schema)


def form_from_schema(name: str, process_id: str, form_id: str, schema: object) -> Form:
    """Check a form's schema (as a file or a deploy gives it) and return the form.

    Raises FormDefinitionError naming `name` when it is not a valid draft 2020-12 schema
    or lacks the sithsflow keywords (see forms/README.md).
    """
    if not isinstance(schema, dict):
        raise FormDefinitionError(f"{name}: a form schema must be a JSON object")
    if schema.get("$schema") != Draft202012Validator.META_SCHEMA["$id"]:
        raise FormDefinitionError(
            f"{name}: $schema must be {Draft202012Validator.META_SCHEMA['$id']}"
        )
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        message = f"not a valid JSON Schema (draft 2020-12): {error.message}"
        path = list(error.path)
        field = str(path[1]) if len(path) > 1 and path[0] == "properties" else None
        raise FormDefinitionError(f"{name}: {message}", ((field, message),)) from error
    _check_conventions(name, schema)
    return Form(process_id, form_id, schema)


def _check_conventions(name: str, schema: Mapping[str, Any]) -> None:
    """The sithsflow keywords every form needs, so labels and help never go missing."""
    faults: list[tuple[str | None, str]] = [
        (None, f"missing {keyword!r}") for keyword in _FORM_KEYWORDS if keyword not in schema
    ]
    if schema.get("type") != "object":
        faults.append((None, "'type' must be 'object'"))
    if schema.get("additionalProperties") is not False:
        faults.append((None, "'additionalProperties' must be false"))
    properties: Mapping[str, Any] = schema.get("properties", {})
    for field, spec in properties.items():
        faults += [(field, f"missing {k!r}") for k in _FIELD_KEYWORDS if k not in spec]
        if spec.get("type") != "string":
            # Values arrive as strings from `--set k=v` and from HTML forms.
            faults.append((field, "'type' must be 'string'"))
        if "enum" in spec:
            for lang in LANGUAGES:
                labels = spec.get(f"x-enum-labels-{lang}", {})
                if set(labels) != set(spec["enum"]):
                    faults.append((field, f"'x-enum-labels-{lang}' must label every enum value"))
        if "x-normalise" in spec and spec["x-normalise"] not in NORMALISERS:
            faults.append((field, f"'x-normalise' must be one of {', '.join(NORMALISERS)}"))
        if ("pattern" in spec or "format" in spec) and not (
            "x-invalid-sv" in spec and "x-invalid-en" in spec
        ):
            faults.append((field, "a pattern or format needs 'x-invalid-sv' and 'x-invalid-en'"))
    faults += [
        (str(field), f"required field {field!r} is not a property")
        for field in schema.get("required", ())
        if field not in properties
    ]
    if faults:
        text = "; ".join(f"{field}: {fault}" if field else fault for field, fault in faults)
        raise FormDefinitionError(f"{name}: {text}", tuple(faults))


def _language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    return lang


def _keyword(base: str, lang: str) -> str:
    return base if _language(lang) == "sv" else f"x-{base}-en"
