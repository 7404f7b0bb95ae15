"""Forms in forms/: the CONTRACT's fields, their labels and help, and server-side validation."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine.errors import Invalid
from engine.forms import FORMS_DIR
from engine.forms import FormDefinitionError
from engine.forms import FormInvalid
from engine.forms import FormRegistry
from engine.forms import is_date_or_aware_time

PROCESSES_DIR = FORMS_DIR.parent / "processes"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
ID_DOCUMENTS = ["passport", "national_id_card", "driving_licence", "passport_scan"]

# CONTRACT.md, "Processes, tasks and fields": (process, form) -> (fields, required fields).
CONTRACT_FORMS: dict[tuple[str, str], tuple[set[str], set[str]]] = {
    ("loa3-reserve", "start"): ({"holder", "id_document"}, {"holder", "id_document"}),
    ("loa3-reserve", "second_verification"): (
        {"id_document", "card_number", "valid_until"},
        {"id_document", "card_number", "valid_until"},
    ),
    ("loa2-remote-order", "start"): ({"holder", "reason"}, {"holder", "reason"}),
    ("loa2-remote-order", "issue_loa2"): (
        {"card_number", "valid_until"},
        {"card_number", "valid_until"},
    ),
    ("loa2-remote-order", "request_renewal"): ({"comment"}, set()),
    ("loa2-remote-order", "renew_loa2"): ({"valid_until"}, {"valid_until"}),
    # --- onsite (issue 12) ---
    ("loa2-onsite", "start"): (
        {"holder", "id_document", "card_number", "valid_until"},
        {"holder", "id_document", "card_number", "valid_until"},
    ),
    ("loa2-onsite", "request_renewal"): ({"comment"}, set()),
    ("loa2-onsite", "renew_loa2"): ({"valid_until"}, {"valid_until"}),
    ("loa3-renewal", "start"): ({"card_number"}, {"card_number"}),
    ("loa3-renewal", "renew_loa3"): ({"valid_until"}, {"valid_until"}),
    # --- revoke: R16, R19, R20 ---
    ("employment-end", "start"): (
        {"holder", "organisation", "ends_on"},
        {"holder", "organisation", "ends_on"},
    ),
    ("employment-end", "register_return"): ({"returned", "note"}, {"returned"}),
    ("ordinary-card", "start"): ({"holder"}, {"holder"}),
    ("ordinary-card", "mail_card"): ({"card_number"}, {"card_number"}),
    ("ordinary-card", "activate"): ({"id_document"}, {"id_document"}),
    ("forgotten-card", "start"): (
        {"attester_1", "attester_2", "card_number"},
        {"attester_1", "attester_2", "card_number"},
    ),
    ("forgotten-card", "attest"): ({"attestation"}, {"attestation"}),
}
CONTRACT_USER_TASKS = [key for key in CONTRACT_FORMS if key[1] != "start"]

VALID_VALUES: dict[tuple[str, str], dict[str, str]] = {
    ("loa3-reserve", "start"): {"holder": "19121212-1212", "id_document": "passport"},
    ("loa3-reserve", "second_verification"): {
        "id_document": "national_id_card",
        "card_number": "RK000001",
        "valid_until": "2026-12-07",
    },
    ("loa2-remote-order", "start"): {"holder": "erik", "reason": "Glömt kort nattskift"},
    ("loa2-remote-order", "issue_loa2"): {
        "card_number": "RK000050",
        "valid_until": "2026-11-24T08:00:00+01:00",
    },
    ("loa2-remote-order", "request_renewal"): {},
    ("loa2-remote-order", "renew_loa2"): {"valid_until": "2026-12-08T08:59:00+01:00"},
}


@pytest.fixture(scope="module")
def registry() -> FormRegistry:
    return FormRegistry.load()


def refusal(registry: FormRegistry, key: tuple[str, str], values: dict[str, Any]) -> FormInvalid:
    with pytest.raises(FormInvalid) as caught:
        registry.validate(*key, values)
    return caught.value


def write_form(directory: Path, name: str, schema: dict[str, Any]) -> None:
    (directory / name).write_text(json.dumps(schema), encoding="utf-8")


def good_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (FORMS_DIR / "loa2-remote-order.renew_loa2.json").read_text("utf-8")
    )
    return schema


# The files themselves


@pytest.mark.parametrize("path", sorted(FORMS_DIR.glob("*.json")), ids=lambda p: p.name)
def test_every_form_file_is_a_valid_draft_2020_12_schema(path: Path) -> None:
    schema = json.loads(path.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False


def test_registry_holds_exactly_the_contract_forms(registry: FormRegistry) -> None:
    assert {(form.process_id, form.form_id) for form in registry} == set(CONTRACT_FORMS)


@pytest.mark.parametrize(("key", "fields"), CONTRACT_FORMS.items(), ids=str)
def test_form_has_the_contract_fields_and_required_fields(
    registry: FormRegistry, key: tuple[str, str], fields: tuple[set[str], set[str]]
) -> None:
    form = registry.get(*key)
    assert form is not None
    assert set(form.field_names()) == fields[0]
    assert set(form.required_fields()) == fields[1]


@pytest.mark.parametrize("key", CONTRACT_FORMS, ids=str)
def test_every_field_has_swedish_and_english_label_and_help_citing_a_rule(
    registry: FormRegistry, key: tuple[str, str]
) -> None:
    form = registry.get(*key)
    assert form is not None
    assert form.title("sv") and form.title("en") and form.title("sv") != form.title("en")
    for field in form.field_names():
        assert form.label(field, "sv") and form.label(field, "en")
        for lang in ("sv", "en"):
            assert re.search(r"\bR\d+\b", form.help(field, lang)), (field, lang)


@pytest.mark.parametrize("key", CONTRACT_FORMS, ids=str)
def test_rules_cited_in_help_are_listed_in_the_forms_x_rules(
    registry: FormRegistry, key: tuple[str, str]
) -> None:
    form = registry.get(*key)
    assert form is not None
    cited = {
        rule
        for field in form.field_names()
        for lang in ("sv", "en")
        for rule in re.findall(r"\bR\d+\b", form.help(field, lang))
    }
    assert cited <= set(form.rules())


def test_labels_are_swedish_by_default_and_english_on_request(registry: FormRegistry) -> None:
    form = registry.get("loa3-reserve", "second_verification")
    assert form is not None
    assert form.label("card_number") == "Kortnummer"
    assert form.label("card_number", "en") == "Card number"
    with pytest.raises(ValueError, match="language"):
        form.label("card_number", "de")


def test_r11_renewal_help_tells_the_limit_in_force_and_r12_office_hours(
    registry: FormRegistry,
) -> None:
    form = registry.get("loa2-remote-order", "renew_loa2")
    assert form is not None
    # The limit is the model's (the validity-limits table in force), filled in when shown.
    assert "{loa2_max_validity}" in form.help("valid_until", "sv")
    shown = {"loa2_max_validity": "10 dagar"}
    assert "högst 10 dagar framåt (R11)" in form.help("valid_until", "sv", shown)
    assert "kontorstid" in form.help("valid_until") and "(R12)" in form.help("valid_until")
    assert "at most 10 days ahead (R11)" in form.help(
        "valid_until", "en", {"loa2_max_validity": "10 days"}
    )


def test_no_help_text_repeats_a_deadline_or_limit_the_model_owns(registry: FormRegistry) -> None:
    """R7, R9, R11: the numbers come from the BPMN timer and the DMN table in force."""
    owned = re.compile(r"\b(5|7|14) (dagar|days)\b|\b6 (månader|months)\b")
    for form in registry:
        for field in form.field_names():
            for lang in ("sv", "en"):
                assert not owned.search(form.help(field, lang)), (form.form_id, field, lang)


@pytest.mark.parametrize(
    "key", [("loa3-reserve", "start"), ("loa3-reserve", "second_verification")], ids=str
)
def test_id_document_offers_the_four_documents_each_labelled(
    registry: FormRegistry, key: tuple[str, str]
) -> None:
    form = registry.get(*key)
    assert form is not None
    assert list(form.schema["properties"]["id_document"]["enum"]) == ID_DOCUMENTS
    for lang in ("sv", "en"):
        assert list(form.enum_labels("id_document", lang)) == ID_DOCUMENTS
    assert "(R10)" in form.help("id_document", "sv")


def test_free_text_field_has_no_enum_labels(registry: FormRegistry) -> None:
    form = registry.get("loa2-remote-order", "start")
    assert form is not None
    assert form.enum_labels("reason") == {}


# BPMN ↔ forms


def bpmn_user_task_ids(process_id: str) -> set[str]:
    tree = ET.parse(PROCESSES_DIR / f"{process_id}.bpmn")
    process = tree.getroot().find(f"{BPMN}process[@id='{process_id}']")
    assert process is not None
    return {task.attrib["id"] for task in process.iter(f"{BPMN}userTask")}


@pytest.mark.parametrize("key", CONTRACT_USER_TASKS, ids=str)
def test_each_contract_user_task_is_a_bpmn_user_task_with_a_form(
    registry: FormRegistry, key: tuple[str, str]
) -> None:
    process_id, task_id = key
    assert task_id in bpmn_user_task_ids(process_id)
    assert registry.get(process_id, task_id) is not None


@pytest.mark.parametrize(
    "process_id", ["loa3-reserve", "loa2-remote-order", "loa2-onsite", "loa3-renewal"]
)
def test_each_contract_process_has_a_start_form(registry: FormRegistry, process_id: str) -> None:
    assert registry.get(process_id, "start") is not None


# Validation


@pytest.mark.parametrize(("key", "values"), VALID_VALUES.items(), ids=str)
def test_valid_contract_values_pass_unchanged(
    registry: FormRegistry, key: tuple[str, str], values: dict[str, str]
) -> None:
    assert registry.validate(*key, values) == values


def test_values_are_stripped_and_empty_optional_fields_dropped(registry: FormRegistry) -> None:
    assert registry.validate(
        "loa3-reserve", "start", {"holder": "  erik ", "id_document": " passport\n"}
    ) == {"holder": "erik", "id_document": "passport"}
    assert registry.validate("loa2-remote-order", "request_renewal", {"comment": "  "}) == {}


def test_second_verification_requires_card_number_of_stock_format(
    registry: FormRegistry,
) -> None:
    values = {**VALID_VALUES[("loa3-reserve", "second_verification")], "card_number": "K12"}
    error = refusal(registry, ("loa3-reserve", "second_verification"), values)
    assert error.message == (
        "card_number: Fältet Kortnummer måste ha formen RK000001. / "
        "card_number: The field Card number must look like RK000001."
    )
    assert error.field_errors == {"card_number": "Fältet Kortnummer måste ha formen RK000001."}
    assert error.rule is None


@pytest.mark.parametrize(
    "card_number", ["RK00001", "RK0000001", "rk00001", "RK00000A", "XRK000001"]
)
def test_r2_card_number_must_be_rk_and_six_digits(registry: FormRegistry, card_number: str) -> None:
    values = {**VALID_VALUES[("loa2-remote-order", "issue_loa2")], "card_number": card_number}
    error = refusal(registry, ("loa2-remote-order", "issue_loa2"), values)
    assert set(error.field_errors) == {"card_number"}


def test_missing_required_field_is_named_in_both_languages(registry: FormRegistry) -> None:
    error = refusal(registry, ("loa3-reserve", "start"), {"holder": "erik"})
    assert error.message == (
        "id_document: Obligatoriskt fält saknas: ID-handling. / "
        "id_document: Required field missing: Identity document."
    )
    assert list(error.field_errors) == ["id_document"]


def test_required_field_left_blank_counts_as_missing(registry: FormRegistry) -> None:
    error = refusal(
        registry, ("loa2-remote-order", "start"), {"holder": " ", "reason": "Nattskift"}
    )
    assert error.field_errors == {"holder": "Obligatoriskt fält saknas: Kortanvändare."}


def test_unknown_field_is_refused_even_when_empty_and_the_forms_fields_listed(
    registry: FormRegistry,
) -> None:
    values = {**VALID_VALUES[("loa2-remote-order", "renew_loa2")], "loa": ""}
    error = refusal(registry, ("loa2-remote-order", "renew_loa2"), values)
    assert error.field_errors == {"loa": "Okänt fält: 'loa'. Formulärets fält: valid_until."}
    assert "Unknown field: 'loa'. The form's fields: valid_until." in error.message


def test_every_failing_field_is_listed_swedish_first_then_english(registry: FormRegistry) -> None:
    error = refusal(
        registry,
        ("loa3-reserve", "second_verification"),
        {"card_number": "12", "valid_until": "2026-02-30", "extra": "x"},
    )
    assert list(error.field_errors) == ["id_document", "card_number", "valid_until", "extra"]
    swedish, english = error.message.split(" / ")
    # Each sentence led by its key (the name `--set` uses), unless it quotes the key itself.
    assert swedish == " ".join(
        text if key == "extra" else f"{key}: {text}" for key, text in error.field_errors.items()
    )
    assert english == " ".join(
        text if key == "extra" else f"{key}: {text}" for key, text in error.field_errors_en.items()
    )
    assert "Okänt fält: 'extra'" in swedish and "Unknown field: 'extra'" in english
    assert "'card_number'" not in error.field_errors["card_number"]


def test_form_refusal_is_an_invalid_domain_error(registry: FormRegistry) -> None:
    with pytest.raises(Invalid):
        registry.validate("loa3-reserve", "start", {})


@pytest.mark.parametrize("document", ID_DOCUMENTS)
def test_r10_each_id_document_including_passport_scan_is_accepted(
    registry: FormRegistry, document: str
) -> None:
    values = {"holder": "19700163-2392", "id_document": document}
    assert registry.validate("loa3-reserve", "start", values)["id_document"] == document


def test_unknown_id_document_is_refused_listing_the_labelled_choices(
    registry: FormRegistry,
) -> None:
    error = refusal(registry, ("loa3-reserve", "start"), {"holder": "erik", "id_document": "pass"})
    assert error.field_errors["id_document"] == (
        "Fältet ID-handling måste vara ett av: passport (Pass), "
        "national_id_card (Nationellt id-kort), driving_licence (Körkort), "
        "passport_scan (Skanning av biometriskt pass)."
    )
    assert "must be one of: passport (Passport)" in error.message


@pytest.mark.parametrize(
    ("reason", "ok"),
    [("ab", False), ("abc", True), ("x" * 500, True), ("x" * 501, False)],
    ids=["2-chars", "3-chars", "500-chars", "501-chars"],
)
def test_r15_order_reason_is_3_to_500_characters(
    registry: FormRegistry, reason: str, ok: bool
) -> None:
    values = {"holder": "erik", "reason": reason}
    if ok:
        assert registry.validate("loa2-remote-order", "start", values)["reason"] == reason
    else:
        error = refusal(registry, ("loa2-remote-order", "start"), values)
        assert "tecken" in error.field_errors["reason"]
        assert "characters" in error.field_errors_en["reason"]


def test_renewal_request_comment_is_at_most_500_characters(registry: FormRegistry) -> None:
    key = ("loa2-remote-order", "request_renewal")
    assert registry.validate(*key, {"comment": "x" * 500}) == {"comment": "x" * 500}
    error = refusal(registry, key, {"comment": "x" * 501})
    assert error.field_errors == {"comment": "Fältet Kommentar får ha högst 500 tecken."}


def test_non_text_value_is_refused_as_not_text(registry: FormRegistry) -> None:
    error = refusal(registry, ("loa2-remote-order", "renew_loa2"), {"valid_until": 20261207})
    assert error.field_errors == {"valid_until": "Fältet Giltigt till måste vara text."}


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-12-07", True),
        ("2026-11-23T15:01:00+01:00", True),
        ("2026-11-23T15:01+01:00", True),
        ("2026-11-23T14:01:00Z", True),
        ("2026-11-23T15:01:00.5+01:00", True),
        ("2026-11-23T15:01:00", False),
        ("2026-02-30", False),
        ("2026-11-23T25:00:00+01:00", False),
        ("20261207", False),
        ("7 december 2026", False),
    ],
)
def test_valid_until_is_an_iso_date_or_an_aware_time(
    registry: FormRegistry, value: str, ok: bool
) -> None:
    assert is_date_or_aware_time(value) is ok
    key = ("loa2-remote-order", "renew_loa2")
    if ok:
        assert registry.validate(*key, {"valid_until": value}) == {"valid_until": value}
    else:
        error = refusal(registry, key, {"valid_until": value})
        assert error.field_errors_en == {
            "valid_until": "The field Valid until must be a date (2026-12-07) "
            "or a time with a time zone (2026-12-07T15:00:00+01:00)."
        }


def test_task_without_a_form_accepts_only_no_fields(registry: FormRegistry) -> None:
    assert registry.get("loa3-reserve", "no_such_task") is None
    assert registry.validate("loa3-reserve", "no_such_task", {}) == {}
    error = refusal(registry, ("loa3-reserve", "no_such_task"), {"note": ""})
    assert error.field_errors == {
        "note": "Okänt fält: 'note'. Uppgiften har inget formulär och tar inga fält."
    }


# Loading


def test_loading_an_invalid_schema_names_the_file(tmp_path: Path) -> None:
    schema = good_schema()
    schema["properties"]["valid_until"]["minLength"] = "five"
    write_form(tmp_path, "loa2-remote-order.renew_loa2.json", schema)
    with pytest.raises(
        FormDefinitionError, match=r"loa2-remote-order\.renew_loa2\.json: not a valid"
    ):
        FormRegistry.load(tmp_path)


def test_loading_broken_json_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "loa3-reserve.start.json").write_text("{", encoding="utf-8")
    with pytest.raises(FormDefinitionError, match=r"loa3-reserve\.start\.json: not readable JSON"):
        FormRegistry.load(tmp_path)


def test_loading_a_file_without_a_form_id_is_refused(tmp_path: Path) -> None:
    write_form(tmp_path, "loa3-reserve.json", good_schema())
    with pytest.raises(FormDefinitionError, match="<process-id>.<form-id>.json"):
        FormRegistry.load(tmp_path)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda s: s.pop("x-rules"), "missing 'x-rules'"),
        (lambda s: s.pop("additionalProperties"), "'additionalProperties' must be false"),
        (lambda s: s["properties"]["valid_until"].pop("x-title-en"), "missing 'x-title-en'"),
        (lambda s: s["properties"]["valid_until"].pop("x-help-sv"), "missing 'x-help-sv'"),
        (lambda s: s["properties"]["valid_until"].pop("x-invalid-en"), "x-invalid-en"),
        (lambda s: s["properties"]["valid_until"].update(type="integer"), "must be 'string'"),
        (lambda s: s.update(required=["card_number"]), "'card_number' is not a property"),
        (lambda s: s.pop("$schema"), "draft/2020-12"),
    ],
    ids=[
        "x-rules",
        "additionalProperties",
        "title-en",
        "help-sv",
        "invalid-en",
        "type",
        "required",
        "$schema",
    ],
)
def test_loading_a_form_without_sithsflow_keywords_is_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], complaint: str
) -> None:
    schema = good_schema()
    change(schema)
    write_form(tmp_path, "loa2-remote-order.renew_loa2.json", schema)
    with pytest.raises(FormDefinitionError, match=re.escape(complaint)):
        FormRegistry.load(tmp_path)


def test_loading_an_enum_without_a_label_for_every_value_is_refused(tmp_path: Path) -> None:
    schema = json.loads((FORMS_DIR / "loa3-reserve.start.json").read_text("utf-8"))
    del schema["properties"]["id_document"]["x-enum-labels-en"]["passport_scan"]
    write_form(tmp_path, "loa3-reserve.start.json", schema)
    with pytest.raises(FormDefinitionError, match="x-enum-labels-en"):
        FormRegistry.load(tmp_path)


# x-normalise: typed values are read as the look-ups store them (issue 11)


def test_r2_a_lowercase_card_number_is_read_in_upper_case(registry: FormRegistry) -> None:
    values = {**VALID_VALUES[("loa2-remote-order", "issue_loa2")], "card_number": " rk000001 "}
    cleaned = registry.validate("loa2-remote-order", "issue_loa2", values)
    assert cleaned["card_number"] == "RK000001"


@pytest.mark.parametrize("holder", [" Erik ", "ERIK", "erik"])
def test_r3_a_user_name_with_spaces_or_capitals_is_read_in_lower_case(
    registry: FormRegistry, holder: str
) -> None:
    values = {"holder": holder, "id_document": "passport"}
    assert registry.validate("loa3-reserve", "start", values)["holder"] == "erik"


def test_loading_a_form_with_an_unknown_x_normalise_is_refused(tmp_path: Path) -> None:
    schema = good_schema()
    schema["properties"]["valid_until"]["x-normalise"] = "title"
    write_form(tmp_path, "loa2-remote-order.renew_loa2.json", schema)
    with pytest.raises(FormDefinitionError, match="'x-normalise' must be one of upper, lower"):
        FormRegistry.load(tmp_path)
