"""The case and task pages show a case's data as people read it: labelled in Swedish or
English, instants in Stockholm time with the weekday, never the raw workflow keys; and the
process diagram keeps long names and timer labels legible."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from flask import Flask

from engine.clock import FixedClock
from engine.services.lookup import CasePosition
from tests.support.flows import Flows
from tests.support.flows import local
from tests.support.versions import changed
from tests.support.versions import store_process
from tests.web.conftest import Browser
from tests.web.conftest import text
from web.case_data import case_facts
from web.context import runtime
from web.diagram import LINE_HEIGHT
from web.diagram import PX_PER_CHAR
from web.diagram import render_diagram

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SVG = "{http://www.w3.org/2000/svg}"


def _task_link(page: str, title: str) -> str:
    found = re.search(r'href="(/tasks/[0-9a-f-]+)">' + re.escape(title), page)
    assert found, f"no task {title!r} in the queue"
    return found.group(1)


def _issued_loa2_case(browser: Browser, clock: FixedClock) -> str:
    """R15: david orders LoA2 for erik, sara issues RK000002 until 2026-12-07 (R14 applies)."""
    clock.set(local("2026-11-23 15:01"))
    browser.login("david")
    ordered = browser.post("/start/loa2", {"holder": "erik", "reason": "Glömt kort nattskift"})
    case_url = ordered.headers["Location"]
    browser.logout()
    browser.login("sara")
    issue = _task_link(text(browser.get("/tasks")), "Utfärda LoA2-certifikat")
    browser.post(issue, {"card_number": "RK000002", "valid_until": "2026-12-07"})
    return case_url


def _facts(page: str) -> list[tuple[str, str]]:
    """The page's data rows as (label, value) without markup."""
    rows = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page, re.S)
    return [(re.sub(r"<[^>]+>", "", dt), re.sub(r"<[^>]+>", "", dd).strip()) for dt, dd in rows]


def test_r14_case_page_labels_the_data_in_swedish_with_local_times(
    browser: Browser, clock: FixedClock
) -> None:
    case_url = _issued_loa2_case(browser, clock)
    page = text(browser.get(case_url))
    facts = dict(_facts(page))
    assert facts["Giltigt till"] == "mån 2026-12-07 15:01"
    assert facts["Påminnelse"] == "fre 2026-12-04 15:01"
    assert facts["Nationella tjänster"] == "Nej — inte giltigt för NLL, Pascal, NPÖ (R14)"
    assert facts["Förlängningscykel"] == "1"
    assert facts["Tillitsnivå"] == "LoA2"
    assert facts["Personnummer"] == "19121212-1212"
    assert facts["Beställt av"] == "david"
    for raw in ("certificate_valid_until", "valid_until", "holder_number", "reminder_at"):
        assert f"<dt>{raw}</dt>" not in page
    assert "2026-12-07T" not in page  # no raw ISO instant
    assert 'href="/cards/RK000002"' in page and 'href="/people/find/erik"' in page


def test_case_data_reads_card_user_first_then_verification_then_card_and_validity(
    browser: Browser, clock: FixedClock
) -> None:
    case_url = _issued_loa2_case(browser, clock)
    labels = [label for label, _ in _facts(text(browser.get(case_url)))]
    order = ["Kortanvändare", "Namn", "Beställt av", "Kortnummer", "Giltigt till"]
    assert [labels.index(label) for label in order] == sorted(
        labels.index(label) for label in order
    )


def test_case_page_shows_english_labels_and_times_after_switching_language(
    browser: Browser, clock: FixedClock
) -> None:
    case_url = _issued_loa2_case(browser, clock)
    browser.post("/language", {"lang": "en", "next": case_url})
    facts = dict(_facts(text(browser.get(case_url))))
    assert facts["Valid until"] == "Mon 2026-12-07 15:01"
    assert facts["National systems"] == "No — not valid for NLL, Pascal, NPÖ (R14)"
    assert facts["Renewal cycle"] == "1"
    assert facts["Card user"] == "erik"
    assert "Giltigt till" not in facts


def test_r7_task_page_shows_the_first_verification_with_labels_and_the_document_name(
    browser: Browser, clock: FixedClock
) -> None:
    clock.set(local("2026-11-23 10:00"))
    browser.login("anna")
    browser.post("/start/loa3", {"holder": "frida", "id_document": "passport"})
    browser.logout()
    clock.set(local("2026-11-24 10:00"))
    browser.login("bertil")
    task = _task_link(text(browser.get("/tasks")), "Andra identitetskontrollen")
    page = text(browser.get(task))
    facts = dict(_facts(page))
    assert facts["ID-handling"] == "Pass"
    assert facts["Första kontroll av"] == "anna"
    assert facts["Första kontroll"] == "mån 2026-11-23 10:00"
    # R7: the task's deadline is its timer (the case's version), with how much is left of it.
    assert facts["Tidsfrist"] == "lör 2026-11-28 10:004 d 0 h kvar av 5 dagar"  # <br> between
    assert "first_verified_at" not in page and "+00:00" not in page
    browser.post("/language", {"lang": "en", "next": task})
    facts = dict(_facts(text(browser.get(task))))
    assert facts["ID document"] == "Passport"
    assert facts["First verified at"] == "Mon 2026-11-23 10:00"


def test_unknown_data_keys_still_show_under_their_own_name_after_the_known(
    app: Flask,
) -> None:
    data = {
        "note_from_a_newer_process": "x",
        "certificate_valid_until": "2026-12-07T14:01:00+00:00",
        "valid_for_national_systems": True,
        "holder": "erik",
    }
    with app.test_request_context("/"):
        facts = case_facts(data, "loa2-remote-order", runtime().forms)
    assert [(f.label, f.text) for f in facts] == [
        ("Kortanvändare", "erik"),
        ("Nationella tjänster", "Ja"),
        ("note_from_a_newer_process", "x"),
    ]


def _loa2_diagram(lane_name: str) -> ElementTree.Element:
    source = (PROCESSES / "loa2-remote-order.bpmn").read_text(encoding="utf-8")
    position = CasePosition(
        "loa2-remote-order", source, frozenset({"request_renewal"}), frozenset(), {}
    )
    return ElementTree.fromstring(render_diagram(position, lambda role: lane_name, "sv"))


def test_long_lane_names_are_cut_with_the_whole_name_in_a_tooltip() -> None:
    long_name = "ID-administratör med behörighet för reservkort på distans i hela regionen"
    svg = _loa2_diagram(long_name)
    lanes = svg.findall(f".//{SVG}g[@class='lane']/{SVG}text")
    assert lanes
    for lane in lanes:
        assert lane.findtext(f"{SVG}title") == long_name
        lines = [span.text or "" for span in lane.findall(f"{SVG}tspan")]
        assert len(lines) <= 2 and lines[-1].endswith("…")


def test_boundary_timer_labels_on_one_task_do_not_overlap() -> None:
    svg = _loa2_diagram("service desk")
    boxes = []
    for name in ("Påminnelse före utgång", "Certifikatet gick ut"):
        group = next(g for g in svg.iter(f"{SVG}g") if g.findtext(f"{SVG}title") == name)
        label = group.find(f"{SVG}text[@class='event-label']")
        assert label is not None
        lines = [span.text or "" for span in label.findall(f"{SVG}tspan")]
        x, y = float(label.get("x", "0")), float(label.get("y", "0"))
        width = max(len(line) for line in lines) * PX_PER_CHAR
        boxes.append((x, y, x + width, y + len(lines) * LINE_HEIGHT))
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = boxes
    assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0


def test_r7_start_page_and_task_form_tell_the_deadline_of_the_version(
    browser: Browser, clock: FixedClock, flows: Flows
) -> None:
    """Values from the model: a 7-day version tells 7 days before and during its cases."""
    store_process(flows, changed("loa3-reserve.bpmn", ('"P5D"', '"P7D"')))
    clock.set(local("2026-11-23 10:00"))
    browser.login("anna")
    start = text(browser.get("/start/loa3"))
    assert "inom 7 dagar (R7)" in start and "5 dagar" not in start
    browser.post("/start/loa3", {"holder": "frida", "id_document": "passport"})
    browser.logout()
    clock.set(local("2026-11-24 10:00"))
    browser.login("bertil")
    page = text(browser.get(_task_link(text(browser.get("/tasks")), "Andra identitetskontrollen")))
    assert "inom 7 dagar från den första kontrollen" in page
    assert "kvar av 7 dagar" in page
    assert "Högst 6 månader (R9)" in page  # the validity-limits table in force
