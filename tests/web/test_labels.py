"""Pages name states, audit actions and rights in the reader's language, never by the
engine's internal codes; the raw code stays only in CSS classes and data-* attributes, and
a code without a label (a new engine action) still shows as it is."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import Flask
from flask import session

from engine.clock import FixedClock
from engine.model.cards import CARD_IN_STOCK
from engine.model.cards import CARD_ISSUED
from engine.model.cards import CARD_REVOKED
from engine.model.cases import CASE_STATES
from engine.model.cases import TASK_CANCELLED
from engine.model.cases import TASK_COMPLETED
from engine.model.cases import TASK_READY
from engine.model.cases import TIMER_CANCELLED
from engine.model.cases import TIMER_FIRED
from engine.model.cases import TIMER_WAITING
from engine.rights import RIGHTS
from engine.services.timers import TIMER_FAILED
from tests.web.conftest import Browser
from tests.web.conftest import text
from tests.web.test_case_pages import _issued_loa2_case
from web.i18n import role_name
from web.labels import ACTIONS
from web.labels import ATTEMPTS
from web.labels import TABLES
from web.labels import label

SERVICES = Path(__file__).resolve().parents[2] / "engine" / "services"


def _visible(page: str) -> str:
    """The page's text as read: markup (and so class and data-* attributes) removed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_swedish_case_page_shows_state_and_history_labels_not_codes(
    browser: Browser, clock: FixedClock
) -> None:
    page = text(browser.get(_issued_loa2_case(browser, clock)))
    assert '<span class="state state-open" data-state="open">Öppet</span>' in page
    shown = _visible(page)
    for label_sv in ("Öppet", "Slutförd", "Att göra", "Väntar", "Regelbeslut", "Ärendet startat"):
        assert label_sv in shown
    for code in ("policy_decision", "open", "ready", "waiting", "start", "complete"):
        assert not re.search(rf"(?<![\w-]){code}(?![\w-])", shown), code
    assert 'data-action="policy_decision"' in page  # the raw code, for tests and tools


def test_english_case_page_shows_english_labels(browser: Browser, clock: FixedClock) -> None:
    case_url = _issued_loa2_case(browser, clock)
    browser.post("/language", {"lang": "en", "next": case_url})
    shown = _visible(text(browser.get(case_url)))
    for label_en in ("Open", "Completed", "Ready", "Waiting", "Policy decision", "Case started"):
        assert label_en in shown
    assert "policy_decision" not in shown and "Regelbeslut" not in shown


def test_card_page_and_search_label_the_card_state_and_certificate_kind(
    browser: Browser, clock: FixedClock
) -> None:
    _issued_loa2_case(browser, clock)
    card = text(browser.get("/cards/RK000002"))
    assert 'class="state state-issued" data-state="issued">Utlämnat</span>' in card
    shown = _visible(card)
    assert "Utfärdande" in shown and "Regelbeslut" in shown
    assert "policy_decision" not in shown and " issued " not in shown
    found = _visible(text(browser.get("/search?q=RK00000")))
    assert "I lager" in found and "in_stock" not in found


def test_case_list_labels_the_states_and_its_filter(browser: Browser, clock: FixedClock) -> None:
    _issued_loa2_case(browser, clock)
    browser.login("anna")
    page = text(browser.get("/cases?state=open"))
    assert '<option value="open" selected>Öppet</option>' in page
    assert '<option value="lapsed" >Förfallet (R7)</option>' in page
    assert 'data-state="open">Öppet</span>' in page


def test_unknown_codes_fall_back_to_the_code_and_refusals_name_the_attempt(app: Flask) -> None:
    with app.test_request_context("/"):
        assert label("brand_new_action", "action") == "brand_new_action"
        assert label("sleeping", "case") == "sleeping"
        assert label(None, "case") == ""
        assert label("refused:complete", "action") == "Nekad: slutföra"
        assert label("refused:frobnicate", "action") == "Nekad: frobnicate"
        assert label("lapsed", "case") == "Förfallet (R7)"
        assert label("completed", "case") == "Avslutat"
        assert label("completed", "task") == "Slutförd"
        assert role_name("system") == "systemet"
        assert role_name("loa2_admin") == "ID-administratör för reservkort LoA2"
        assert role_name("someone_new") == "someone_new"
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert label("refused:complete", "action") == "Refused: complete"
        assert label("policy_decision", "action") == "Policy decision"
        assert label("in_stock", "card") == "In stock"


def test_every_engine_code_has_a_label_in_both_languages(app: Flask) -> None:
    codes = {
        "case": set(CASE_STATES),
        "task": {TASK_READY, TASK_COMPLETED, TASK_CANCELLED},
        "timer": {TIMER_WAITING, TIMER_FIRED, TIMER_CANCELLED, TIMER_FAILED},
        "card": {CARD_IN_STOCK, CARD_ISSUED, CARD_REVOKED},
        "right": set(RIGHTS),
    }
    for kind, expected in codes.items():
        assert expected <= set(TABLES[kind]), kind
    actions, attempts = _audited_actions()
    # A case's end state is recorded as the action (engine/services/progress.py).
    assert actions | (set(CASE_STATES) - {"open"}) <= set(ACTIONS)
    assert attempts <= set(ATTEMPTS)
    for lang in ("sv", "en"):
        with app.test_request_context("/"):
            session["lang"] = lang
            for kind, table in TABLES.items():
                for code in table:
                    shown = label(code, kind)
                    assert shown and shown != code or kind == "role", (lang, kind, code)


def _audited_actions() -> tuple[set[str], set[str]]:
    """The action names engine/services passes to `record` and `record_refusal`."""
    actions: set[str] = set()
    attempts: set[str] = set()
    for path in SERVICES.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned = {
            value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "action" for t in node.targets)
            for value in _strings(node.value)
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ("record", "record_refusal") or len(node.args) < 4:
                continue
            argument = node.args[3]
            names = (
                assigned if isinstance(argument, ast.Name) and argument.id == "action" else set()
            )
            found = _strings(argument) | names
            (actions if node.func.id == "record" else attempts).update(found)
    return actions, attempts


def _strings(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()
