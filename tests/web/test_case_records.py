"""The case page and the card page keep what each step entered (issue 11): both LoA3
administrators, each with the ID document they checked (R6), and the validity as typed."""

from __future__ import annotations

import re

from flask import Flask

from engine.clock import FixedClock
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
