"""Issue 13 in a real browser: the task forms of a draft, edited field by field.

petra lists the draft's user tasks with their forms, adds, retypes, reorders and removes
fields with labels and help in Swedish and English, saves the forms with the draft, and
sees the deploy check's problems at the task and the field. Without Chromium these tests
skip, unless SITHSFLOW_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser_support import Server
from tests.e2e.browser_support import login
from tests.e2e.browser_support import page as page
from tests.e2e.browser_support import server as server
from tests.e2e.browser_support import shot
from tests.e2e.test_workspace import open_modeler
from tests.e2e.test_workspace import set_field
from tests.e2e.test_workspace import tab_to
from tests.e2e.test_workspace import unnamed_controls
from tests.e2e.test_workspace import watched as watched

if TYPE_CHECKING:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

LOA2 = "loa2-remote-order"


def form_of(page: Page, form_id: str) -> dict[str, object]:
    """The form as the draft holds it (its JSON view), the text the server will check."""
    page.locator("#file-choice").select_option(f"{LOA2}.{form_id}.json")
    form: dict[str, object] = json.loads(page.locator("#form-json").input_value())
    page.locator("#file-choice").select_option(f"{LOA2}.bpmn")
    return form


def fields_shown(page: Page) -> list[str]:
    return page.locator("#form-fields-editor li.form-field").evaluate_all(
        "items => items.map((i) => i.dataset.field)"
    )


def test_petra_edits_a_task_form_field_by_field_and_the_diff_lists_the_form(
    watched: Page, server: Server
) -> None:
    page = watched
    login(page, server, "petra")
    open_modeler(page, server, LOA2)
    assert unnamed_controls(page) == []
    # Every user task and the start event, each with its form.
    tasks = page.locator("#form-task option").evaluate_all("os => os.map((o) => o.value)")
    assert set(tasks) == {"start", "issue_loa2", "request_renewal", "renew_loa2"}
    page.locator("#form-task").select_option("request_renewal")
    assert fields_shown(page) == ["comment"]

    # A choice field, labelled in both languages, required, moved above the comment.
    page.locator("#form-add-field").click()
    assert fields_shown(page) == ["comment", "field_2"]
    set_field(page, "#form-field-1-name", "handover")
    set_field(page, "#form-field-1-label-sv", "Överlämning")
    set_field(page, "#form-field-1-label-en", "Handover")
    page.locator("#form-field-1-type").select_option("choice")
    set_field(
        page, "#form-field-1-choices", "post; Med post; By post\nhand; Personligen; In person"
    )
    page.locator("#form-field-1-required").check()
    set_field(page, "#form-field-1-help-sv", "Hur kortet lämnades över.")
    set_field(page, "#form-field-1-help-en", "How the card was handed over.")
    page.get_by_role("button", name="Flytta upp: Överlämning").click()
    assert fields_shown(page) == ["handover", "comment"]
    assert page.locator("#form-field-0-name").evaluate("e => e === document.activeElement")
    # A date field added and removed again.
    page.locator("#form-add-field").click()
    page.locator("#form-field-2-type").select_option("date")
    page.get_by_role("button", name="Ta bort: Nytt fält").click()
    assert fields_shown(page) == ["handover", "comment"]
    assert unnamed_controls(page) == []
    shot(page, "workspace-form-editor")

    form = form_of(page, "request_renewal")
    properties = form["properties"]
    assert isinstance(properties, dict)
    assert list(properties) == ["handover", "comment"]
    assert properties["handover"] == {
        "type": "string",
        "title": "Överlämning",
        "x-title-en": "Handover",
        "x-help-sv": "Hur kortet lämnades över.",
        "x-help-en": "How the card was handed over.",
        "enum": ["post", "hand"],
        "x-enum-labels-sv": {"post": "Med post", "hand": "Personligen"},
        "x-enum-labels-en": {"post": "By post", "hand": "In person"},
    }
    assert form["required"] == ["handover"]

    # Saved with the draft and checked by the deploy check: a valid form, listed as changed.
    page.locator("#check-draft").click()
    page.wait_for_selector("#workspace-status:has-text('Inga problem')")
    assert page.locator("#changes li[data-category=forms]").inner_text() == (
        "Formulär: ändrat request_renewal"
    )
    page.reload()
    page.wait_for_selector("body[data-workspace=ready]")
    page.locator("#form-task").select_option("request_renewal")
    assert fields_shown(page) == ["handover", "comment"]


def test_server_problems_of_a_form_are_shown_at_its_task_and_field(
    watched: Page, server: Server
) -> None:
    page = watched
    login(page, server, "petra")
    open_modeler(page, server, LOA2)
    # A form broken outside the editor (its JSON view): a field that is no text.
    name = f"{LOA2}.issue_loa2.json"
    page.locator("#file-choice").select_option(name)
    form = json.loads(page.locator("#form-json").input_value())
    form["properties"]["card_number"]["type"] = "integer"
    page.locator("#form-json").fill(json.dumps(form, indent=2))
    page.locator("#check-draft").click()
    page.wait_for_selector(f"#problems li[data-file='{name}']")
    assert "card_number: 'type' must be 'string'" in page.locator("#problems").inner_text()

    # Shown at the field of the task's form, reached from the problem with the keyboard.
    option = page.locator("#form-task option[value=issue_loa2]").inner_text()
    assert "Problem: 1" in option
    page.locator(f"#problems li[data-file='{name}'] button").click()
    assert page.locator("#form-task").input_value() == "issue_loa2"
    broken = page.locator("#form-fields-editor li[data-field=card_number] fieldset")
    assert broken.get_attribute("aria-invalid") == "true"
    assert "'type' must be 'string'" in broken.locator(".form-problems").inner_text()
    assert page.locator("#form-field-0-name").evaluate("e => e === document.activeElement")
    shot(page, "workspace-form-problem")
    page.locator("#deploy-draft").click()  # a broken form offers no deploy
    page.wait_for_selector("#deploy-draft:enabled")
    assert page.locator("#confirm-deploy").is_hidden()

    # Fixed in the editor: retyped as text, the problem is gone.
    page.locator("#form-field-0-type").select_option("date")
    page.locator("#form-field-0-type").select_option("text")
    page.locator("#check-draft").click()
    page.wait_for_selector("#workspace-status:has-text('Inga problem')")
    assert page.locator("#form-fields-editor fieldset[aria-invalid=true]").count() == 0


def test_a_new_user_task_gets_an_empty_form_to_fill_from_the_keyboard(
    watched: Page, server: Server
) -> None:
    page = watched
    login(page, server, "petra")
    open_modeler(page, server, LOA2)
    # Inserted on the issuing task's outgoing flow, without the mouse.
    tab_to(page, lambda f: f["id"] == "element-choice")
    page.locator("#element-choice").select_option("issue_loa2")
    tab_to(page, lambda f: f["id"] == "new-task-name")
    page.keyboard.type("Lämna ut kortet")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    task_id = page.locator("#form-task").input_value()
    assert task_id not in ("", "issue_loa2", "start")
    assert page.locator("#element-choice").input_value() == task_id
    assert fields_shown(page) == []
    assert f"{LOA2}.{task_id}.json" in page.locator("#file-choice").inner_text()
    assert page.locator("#form-title-sv").input_value() == "Lämna ut kortet"

    # A field added and labelled from the keyboard.
    assert page.locator("#form-add-field").evaluate("e => e === document.activeElement")
    page.keyboard.press("Enter")
    assert page.locator("#form-field-0-label-sv").evaluate("e => e === document.activeElement")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Utlämnat till")
    page.keyboard.press("Tab")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Handed to")
    page.keyboard.press("Tab")
    form = form_of(page, task_id)
    assert form["title"] == form["x-title-en"] == "Lämna ut kortet"
    assert form["properties"] == {
        "field_1": {
            "type": "string",
            "title": "Utlämnat till",
            "x-title-en": "Handed to",
            "x-help-sv": "",
            "x-help-en": "",
        }
    }
    assert form["additionalProperties"] is False

    # The task sits on the flow in its lane with its form: the deploy check finds nothing.
    page.locator("#check-draft").click()
    page.wait_for_selector("#workspace-status:has-text('Inga problem')")
    changes = page.locator("#changes").inner_text()
    assert f"Uppgifter: tillagt {task_id}" in changes
    assert f"Formulär: tillagt {task_id}" in changes

    # Removed from the diagram again: its form goes with it.
    page.locator("#element-choice").select_option(task_id)
    page.locator(".djs-context-pad [data-action='delete']").click()
    assert task_id not in page.locator("#form-task").inner_text()
    assert f"{LOA2}.{task_id}.json" not in page.locator("#file-choice").inner_text()


def test_form_editor_speaks_english_in_an_english_session(watched: Page, server: Server) -> None:
    page = watched
    page.goto(server.url + "/login")
    page.get_by_role("button", name="English").click()
    login(page, server, "petra")
    open_modeler(page, server, LOA2)
    page.locator("#form-task").select_option("request_renewal")
    assert page.get_by_role("heading", name="Task forms").is_visible()
    assert page.get_by_label("Label (Swedish)").input_value() == "Kommentar"
    assert page.get_by_label("Label (English)").input_value() == "Comment"
    assert page.locator("#form-field-0-type option:checked").inner_text() == "Long text"
    assert page.get_by_role("button", name="Remove: Kommentar").is_visible()
    assert "request_renewal) · Fields: 1" in page.locator("#form-task").inner_text()
    assert unnamed_controls(page) == []
