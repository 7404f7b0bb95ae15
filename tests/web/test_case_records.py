"""The case page and the card page keep what each step entered (issue 11): both LoA3
administrators, each with the ID document they checked (R6), and the validity as typed."""

from __future__ import annotations

import re

from flask import Flask

from engine.clock import FixedClock
from engine.services.queries import list_cases
from engine.services.runtime import Runtime
from tests.support.flows import Flows
from tests.web.conftest import Browser
from tests.web.conftest import text


def _loa3_passport_then_driving_licence(flows: Flows) -> int:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", "frida", id_document="passport")
    flows.at("2026-11-24 10:00").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="driving_licence",
        card_number="RK000001",
        valid_until="2027-05-01",
    )
    return case.id


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_r6_case_page_shows_each_administrator_with_their_document(
    app: Flask, browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    case_id = _loa3_passport_then_driving_licence(Flows(runtime, clock))
    browser.login("maria")
    page = text(browser.get(f"/cases/{case_id}"))
    facts = dict(
        (re.sub(r"<[^>]+>", "", dt), re.sub(r"<[^>]+>", "", dd).strip())
        for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page, re.S)
    )
    assert facts["ID-handling"] == "Pass"
    assert facts["Första kontroll av"] == "anna"
    assert facts["Andra ID-handling"] == "Körkort"
    assert facts["Andra kontroll av"] == "bertil"
    # The history row of each completed step names the document its administrator entered.
    rows = [_plain(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)]
    anna = [r for r in rows if " anna " in r and "ID-handling: Pass" in r]
    bertil = [r for r in rows if " bertil " in r and "ID-handling: Körkort" in r]
    assert len(anna) == 1 and len(bertil) == 1, rows


def test_r6_card_page_names_both_administrators_and_their_documents(
    app: Flask, browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    _loa3_passport_then_driving_licence(Flows(runtime, clock))
    browser.login("sara")
    page = text(browser.get("/cards/RK000001"))
    verifications = [
        _plain(span).strip()
        for span in re.findall(r'<span class="verification"[^>]*>(.*?)</span>', page, re.S)
    ]
    assert verifications == ["anna: Pass", "bertil: Körkort"]


def test_r9_card_and_case_pages_show_the_typed_day_as_the_last_day(
    app: Flask, browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    case_id = _loa3_passport_then_driving_licence(Flows(runtime, clock))
    browser.login("sara")
    for url in ("/cards/RK000001", f"/cases/{case_id}"):
        page = _plain(text(browser.get(url)))
        assert "2027-05-01 23:59" in page, url
        assert "2027-05-02" not in page, url


def test_r9_the_validity_field_offers_the_latest_allowed_date_and_no_time_zone(
    app: Flask, browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    flows = Flows(runtime, clock)
    case = flows.at("2026-11-23 10:00").start_loa3("anna", "frida", id_document="passport")
    flows.at("2026-11-24 10:00")
    browser.login("bertil")
    task = flows.task_id(case.id, "second_verification")
    page = text(browser.get(f"/tasks/{task}"))
    field = re.search(r'<input id="f-valid_until"[^>]*>', page)
    assert field is not None and 'type="date"' in field.group(0)
    assert 'max="2027-05-24"' in field.group(0)  # 6 months (R9), from the table in force
    help_text = _plain(re.search(r'id="f-valid_until-help">(.*?)</p>', page, re.S).group(1))
    assert "2027-05-24" in help_text
    assert "{" not in help_text
    assert not re.search(r"T\d\d:\d\d|[+-]\d\d:\d\d|tidszon", help_text), help_text


def test_loa2_order_form_warns_of_a_live_loa2_card_and_orders_only_when_confirmed(
    app: Flask, browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    flows = Flows(runtime, clock)
    first = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(first.id, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-07")
    browser.login("david")
    order = {"holder": "Erik", "reason": "Nytt kort"}
    warned = browser.post("/start/loa2", order)
    assert warned.status_code == 200
    page = text(warned)
    notice = re.search(
        r'<div class="notice warning" role="alert" id="order-warnings">(.*?)</div>', page, re.S
    )
    assert notice is not None and "RK000002" in notice.group(1)
    assert "Beställ ändå" in notice.group(1)
    assert _case_count(runtime) == 1  # nothing ordered yet
    confirmed = browser.post("/start/loa2", {**order, "confirmed": "1"})
    assert confirmed.status_code == 302
    assert _case_count(runtime) == 2


def _case_count(runtime: Runtime) -> int:
    return len(list_cases(runtime).items)
