"""Issue 11, what the reader sees: names instead of codes, deadlines that say what
happened, a friendly page for a task already done, and a diagram in the reader's language
that marks the end the case reached."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask import session

from engine.bpmn_names import ElementName
from engine.bpmn_names import element_names
from engine.bpmn_names import process_name
from engine.clock import FixedClock
from engine.errors import Conflict
from engine.process_properties import check_properties
from engine.rights import ROLE_GRANTED_BY
from engine.services.inbox import Deadline
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows
from tests.support.flows import local
from tests.web.conftest import Browser
from tests.web.conftest import text
from web.i18n import localized
from web.i18n import time_left
from web.labels import organisation_name
from web.labels import process_name as process_label
from web.labels import station_name

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SVG = "{http://www.w3.org/2000/svg}"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _visible(page: str) -> str:
    """The page's text as read: scripts, markup and so attributes removed."""
    page = re.sub(r"<(script|style|title)\b[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _completed_loa3(flows: Flows) -> int:
    """R6/R7: anna verifies on Monday, bertil issues on Tuesday, within the deadline."""
    case = flows.at("2026-11-23 10:00").start_loa3().id
    flows.at("2026-11-24 10:00").complete(
        case,
        "second_verification",
        "bertil",
        id_document="national_id_card",
        card_number="RK000001",
        valid_until="2027-05-24",
    )
    return case


def _english(browser: Browser, url: str) -> str:
    browser.post("/language", {"lang": "en", "next": url})
    return text(browser.get(url))


def test_case_page_names_the_process_organisation_and_timer_not_their_codes(
    browser: Browser, flows: Flows
) -> None:
    case = _completed_loa3(flows)
    browser.login("anna")
    swedish = _visible(text(browser.get(f"/cases/{case}")))
    assert "Reservkort LoA3 med två ID-administratörer" in swedish
    assert "Region Demo" in swedish
    assert "Tidsfrist för andra kontrollen (R7)" in swedish
    english = _visible(_english(browser, f"/cases/{case}"))
    assert "LoA3 reserve card with two ID administrators" in english
    assert "Deadline for the second verification (R7)" in english
    for shown in (swedish, english):
        for code in ("loa3-reserve", "region-demo", "deadline", "second_verification"):
            assert not re.search(rf"(?<![\w-]){code}(?![\w-])", shown), code


def test_met_deadline_reads_in_time_with_when_not_a_red_cancelled(
    browser: Browser, flows: Flows
) -> None:
    case = _completed_loa3(flows)
    browser.login("anna")
    page = text(browser.get(f"/cases/{case}"))
    timer = re.search(r'<li class="timer timer-met">(.*?)</li>', page, re.S)
    assert timer, "the met deadline is not marked as met"
    shown = _visible(timer.group(1))
    assert "I tid" in shown and "klar tis 2026-11-24 10:00" in shown
    assert "Avbruten" not in shown and "state-cancelled" not in timer.group(1)


def test_r7_passed_deadline_before_the_sweep_reads_overdue_by_not_zero_left(
    browser: Browser, flows: Flows, clock: FixedClock
) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3().id
    clock.set(local("2026-11-29 12:30"))  # the deadline passed on the 28th at 10:00
    browser.login("anna")
    page = _visible(text(browser.get(f"/cases/{case}")))
    assert "Försenad försenad 1 d 2 h" in page
    assert "0 d 0 h" not in page


def test_time_left_says_overdue_after_the_deadline_and_minutes_in_the_last_hour(
    app: Flask,
) -> None:
    due = local("2026-11-28 10:00")
    with app.test_request_context("/"):
        late = Deadline(due, -timedelta(hours=26, minutes=10), timedelta(days=5))
        assert time_left(late) == "försenad 1 d 2 h"
        soon = Deadline(due, timedelta(minutes=25), timedelta(days=5))
        assert time_left(soon) == "25 min kvar av 5 dagar"
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert time_left(late) == "overdue by 1 d 2 h"
        assert time_left(Deadline(due, timedelta(days=4), timedelta(days=5))) == (
            "4 d 0 h left of 5 days"
        )


def test_back_button_after_completing_a_task_shows_that_it_is_done_and_links_the_case(
    browser: Browser, flows: Flows
) -> None:
    case = flows.at("2026-11-23 10:00").start_loa3().id
    task = flows.task_id(case, "second_verification")
    flows.at("2026-11-24 10:00").complete(
        case,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until="2027-05-24",
    )
    browser.login("cecilia")
    response = browser.get(f"/tasks/{task}")
    page = text(response)
    shown = _visible(page)
    assert response.status_code == 409
    assert "Uppgiften är redan gjord" in shown
    assert "bertil slutförde den tis 2026-11-24 10:00." in shown
    assert f'href="/cases/{case}"' in page and f"Gå till ärende #{case}" in shown
    assert not UUID.search(shown) and "completed" not in shown
    browser.login("bertil")
    again = _visible(text(browser.post(f"/tasks/{task}", {"id_document": "passport"})))
    assert "Du slutförde den tis 2026-11-24 10:00." in again


def test_history_notes_name_the_state_in_words_and_the_decisions_in_english(
    browser: Browser, flows: Flows
) -> None:
    case = _completed_loa3(flows)
    browser.login("anna")
    swedish = _visible(text(browser.get(f"/cases/{case}")))
    assert "Ärendet är avslutat." in swedish
    english = _visible(_english(browser, f"/cases/{case}"))
    assert "The case is completed." in english
    assert "Valid until 2027-05-24 10:00; at most" in english
    assert "Giltig till" not in english and "högst" not in english


def test_r7_lapsed_case_names_the_timer_and_marks_the_lapsed_end_reached(
    browser: Browser, flows: Flows, clock: FixedClock
) -> None:
    case = flows.at("2026-11-20 10:00").start_loa3().id
    flows.at("2026-11-26 10:00")
    fire_due_timers(flows.runtime, clock)
    browser.login("anna")
    page = text(browser.get(f"/cases/{case}"))
    shown = _visible(page)
    assert "Ärendet är förfallet (R7)." in shown
    assert "Timer utlöst Tidsfristen gick ut (R7)" in shown
    assert "Tidpunkt: 2026-11-25 10:00" in shown and "förfallen" not in shown
    assert "deadline" not in shown
    svg = ElementTree.fromstring(re.search(r"<svg.*</svg>", page, re.S).group(0))  # type: ignore[union-attr]
    reached = [
        g.findtext(f"{SVG}title")
        for g in svg.iter(f"{SVG}g")
        if "reached" in (g.get("class") or "").split()
    ]
    assert reached == ["Ärendet förföll (R7) – nått"]


def test_completed_case_diagram_is_in_english_and_marks_the_issued_end(
    browser: Browser, flows: Flows
) -> None:
    case = _completed_loa3(flows)
    browser.login("anna")
    page = _english(browser, f"/cases/{case}")
    svg_text = re.search(r"<svg.*</svg>", page, re.S)
    assert svg_text
    svg = ElementTree.fromstring(svg_text.group(0))
    words = " ".join(t for t in svg.itertext())
    assert "Card issued" in words and "Kortet utfärdat" not in words
    assert "Andra ID-administratören" not in words
    ends = {
        g.findtext(f"{SVG}title"): (g.get("class") or "").split()
        for g in svg.iter(f"{SVG}g")
        if "endEvent" in (g.get("class") or "").split()
    }
    assert "reached" in ends["Card issued – reached"]
    assert "reached" not in ends["Case lapsed (R7)"]
    # Drawn at its natural size: a narrow screen scrolls instead of shrinking the text.
    assert svg.get("width") and svg.get("height")


def test_card_history_names_the_step_and_labels_an_unknown_rule(
    browser: Browser, flows: Flows
) -> None:
    _completed_loa3(flows)
    browser.login("anna")
    shown = _visible(text(browser.get("/cards/RK000001")))
    assert "Andra identitetskontrollen och utfärdande, reservkort LoA3" in shown
    assert "second_verification" not in shown


def test_queue_and_rights_show_station_and_organisation_names(app: Flask, browser: Browser) -> None:
    with app.test_request_context("/"):
        assert organisation_name("region-demo") == "Region Demo"
        assert station_name("halmstad") == "Kortstation Halmstad"
        assert process_label("loa2-remote-order") == "Reservkort LoA2 beställt på distans"
        assert organisation_name("no-such-code") == "no-such-code"
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert process_label("loa2-remote-order") == "LoA2 reserve card ordered remotely"
    browser.login("petra")
    admin = _visible(text(browser.get("/admin/people/1")))
    assert "Region Demo" in admin and "Kortstation Halmstad" in admin
    assert "region-demo" not in admin and "halmstad" not in admin.replace("Halmstad", "")
    browser.login("bertil")
    queue = _visible(text(browser.get("/tasks")))
    assert "Reservkort LoA3 med två ID-administratörer" in queue
    assert "loa3-reserve" not in queue and "loa2-remote-order" not in queue


def test_form_errors_name_the_field_by_its_label_not_its_key(browser: Browser) -> None:
    browser.login("anna")
    page = _visible(text(browser.post("/start/loa3", {"holder": "", "id_document": ""})))
    assert "Obligatoriskt fält saknas: Kortanvändare." in page
    assert "'holder'" not in page and "holder" not in page


def test_name_en_is_a_property_of_any_element_and_names_the_process_in_english() -> None:
    assert check_properties("SequenceFlow", {"name_en": "new order"}) == []
    assert check_properties("UserTask", {"name_en": "Issue LoA2 certificate"}) == []
    source = (PROCESSES / "loa3-reserve.bpmn").read_text(encoding="utf-8")
    found = process_name(source, "loa3-reserve")
    assert found == ElementName(
        "Reservkort LoA3 med två ID-administratörer",
        "LoA3 reserve card with two ID administrators",
    )
    assert found.in_language("sv") == found.sv and found.in_language("en") == found.en
    assert ElementName("Bara svenska").in_language("en") == "Bara svenska"
    assert process_name(source, "no-such-process") is None


def test_every_named_element_of_the_bundled_models_has_an_english_name() -> None:
    for path in PROCESSES.glob("*.bpmn"):
        root = ElementTree.parse(path).getroot()
        for element_id, name in element_names(root).items():
            if name.sv in (*ROLE_GRANTED_BY, "system"):
                continue  # lanes are roles, labelled by engine.rights
            assert name.en, f"{path.name}: {element_id} has no name_en"


def test_r2_a_card_already_issued_is_refused_naming_its_state_in_words(flows: Flows) -> None:
    _completed_loa3(flows)
    again = flows.at("2026-11-25 10:00").start_loa3().id
    with pytest.raises(Conflict) as refused:
        flows.at("2026-11-26 10:00").complete(
            again,
            "second_verification",
            "bertil",
            id_document="passport",
            card_number="RK000001",
            valid_until="2027-05-24",
        )
    assert "(det är utlämnat)" in refused.value.message
    assert "(it is issued)" in refused.value.message and "status" not in refused.value.message


def test_r15_renewal_comment_shows_under_its_form_label_not_its_key(
    browser: Browser, flows: Flows
) -> None:
    case = flows.at("2026-11-23 15:01").order_loa2().id
    flows.complete(case, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-07")
    flows.at("2026-12-04 16:00").complete(case, "request_renewal", "david", comment="Nattskift")
    browser.login("sara")
    shown = _visible(text(browser.get(f"/cases/{case}")))
    assert "Kommentar Nattskift" in shown
    assert not re.search(r"(?<![\w-])comment(?![\w-])", shown)


def test_old_audit_notes_read_in_words_in_each_language(app: Flask) -> None:
    """The audit trail is never rewritten: notes written before the wording fix are read
    in today's words on the pages."""
    state_note = "Ärendet är lapsed / The case is lapsed"
    timer_note = "Timer deadline (förfallen 2026-11-25T09:00:00+00:00)"
    with app.test_request_context("/"):
        assert localized(state_note) == "Ärendet är förfallet (R7)."
        assert localized(timer_note) == "Tidpunkt: 2026-11-25 10:00"
        assert localized("Utanför kontorstid / Outside office hours") == "Utanför kontorstid"
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert localized(state_note) == "The case is lapsed (R7)."
        assert localized(timer_note) == "Due: 2026-11-25 10:00"
