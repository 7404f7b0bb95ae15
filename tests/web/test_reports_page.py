"""The Reports page: managers and auditors download the PDFs of reports/ (issue 4), checked
on the server with errors beside the fields, in Swedish or English; each report runs as a
background job with a progress page and a download link for its owner only (issue 11)."""

from __future__ import annotations

import io
import re
import tempfile
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from werkzeug.test import TestResponse

from engine.clock import FixedClock
from engine.reporting.jobs import create_job
from engine.services.runtime import Runtime
from tests.support.flows import Flows
from tests.support.flows import local
from tests.web.conftest import Browser
from tests.web.conftest import text
from web.report_form import ReportOptions
from web.report_form import download_name

NOVEMBER = {"first": "2026-11-01", "last": "2026-11-30"}


def _pdf_text(response: TestResponse) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def _filename(response: TestResponse) -> str:
    found = re.search(r'filename="?([^";]+)"?', response.headers["Content-Disposition"])
    assert found, response.headers["Content-Disposition"]
    return found.group(1)


def _error(page: str, field: str) -> str:
    """The error drawn beside `field` (its id is r-<field>-error)."""
    found = re.search(rf'<p class="field-error" id="r-{field}-error">([^<]*)</p>', page)
    assert found, f"no error beside {field}"
    return found.group(1)


def _loa3_issued(flows: Flows, clock: FixedClock) -> int:
    """R6: anna verifies frida on 2026-11-02, bertil issues RK000001 the next day."""
    case = flows.at("2026-11-02 10:00").start_loa3("anna", holder="frida")
    flows.at("2026-11-03 10:00").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until="2027-05-01",
    )
    clock.set(local("2026-11-23 10:00"))
    return case.id


def _finished(browser: Browser, started: TestResponse) -> dict[str, object]:
    """Poll the job a POST started (303 to its page) until it ends; its last status."""
    assert started.status_code == 303, text(started)[:500]
    status_url = started.headers["Location"] + "/status"
    deadline = time.monotonic() + 120
    while True:
        status = browser.get(status_url).get_json()
        if status["state"] in ("done", "failed"):
            return dict(status)
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


def _download(browser: Browser, started: TestResponse) -> TestResponse:
    status = _finished(browser, started)
    assert status["state"] == "done", status
    return browser.client.get(str(status["download_url"]))


def _report(browser: Browser, **fields: str) -> TestResponse:
    """Post the form; a started job is followed to its download, a refusal returned as is."""
    browser.get("/reports")
    response = browser.post("/reports", {"lang": "sv", **fields})
    return _download(browser, response) if response.status_code == 303 else response


def test_maria_downloads_the_issuance_register_as_a_pdf(
    browser: Browser, flows: Flows, clock: FixedClock
) -> None:
    _loa3_issued(flows, clock)
    browser.login("maria")
    response = _report(browser, report="issuance", **NOVEMBER)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert _filename(response) == "sithsflow-issuance-2026-11-01-2026-11-30.pdf"
    assert response.headers["Cache-Control"] == "no-store"
    pdf = _pdf_text(response)
    assert "Register över utfärdade reservkort" in pdf
    assert "Period: 2026-11-01 – 2026-11-30" in pdf
    assert "RK000001" in pdf
    assert "1:a: Anna Andersson (anna) 2:a: Bertil Berg (bertil)" in pdf


@pytest.mark.parametrize(
    ("fields", "title"),
    [
        ({"report": "deadlines", **NOVEMBER}, "Tidsfrister för LoA3-reservkort"),
        ({"report": "staffing", **NOVEMBER}, "Bemanning av kortstationer (R8)"),
        ({"report": "expiring", "days": "60"}, "Certifikat som går ut"),
        ({"report": "audit", "card": "RK000001"}, "Granskningsutdrag"),
    ],
)
def test_a_manager_prints_every_other_report_too(
    browser: Browser, fields: dict[str, str], title: str
) -> None:
    browser.login("maria")
    response = _report(browser, **fields)
    assert response.status_code == 200, text(response)[:500]
    assert title in _pdf_text(response)


def test_the_download_is_named_after_the_report_and_period_and_leaves_no_file_behind(
    browser: Browser, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    browser.login("maria")
    response = _report(browser, report="loa2-compliance", **NOVEMBER)
    assert response.status_code == 200
    assert _filename(response) == "sithsflow-loa2-compliance-2026-11-01-2026-11-30.pdf"
    assert "Efterlevnad av LoA2-dispensen" in _pdf_text(response)
    assert list(temporary.iterdir()) == []  # the PDF lives in the job's row, not in a file


def test_olof_downloads_the_audit_extract_of_a_case(
    browser: Browser, flows: Flows, clock: FixedClock
) -> None:
    case_id = _loa3_issued(flows, clock)
    browser.login("olof")
    page = text(browser.get("/reports"))
    # An auditor is offered the compliance report and the audit extract only.
    assert re.findall(r'<option value="([a-z0-9-]+)"', page)[:2] == ["loa2-compliance", "audit"]
    assert 'value="issuance"' not in page
    started = browser.post("/reports", {"report": "audit", "case_id": str(case_id), "lang": "en"})
    response = _download(browser, started)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert _filename(response) == f"sithsflow-audit-case-{case_id}.pdf"
    pdf = _pdf_text(response)
    assert "Audit extract" in pdf
    assert "anna" in pdf and "bertil" in pdf


def test_an_auditor_may_not_print_a_report_the_form_does_not_offer_him(browser: Browser) -> None:
    browser.login("olof")
    response = _report(browser, report="issuance", **NOVEMBER)
    assert response.status_code == 403


def test_sara_gets_403_and_no_reports_link(browser: Browser) -> None:
    browser.login("sara")
    assert browser.get("/reports").status_code == 403
    assert _report(browser, report="issuance", **NOVEMBER).status_code == 403
    assert 'href="/reports"' not in text(browser.get("/cases"))


def test_managers_and_auditors_find_reports_in_the_navigation(browser: Browser) -> None:
    for user in ("maria", "olof"):
        browser.login(user)
        page = text(browser.get("/cases"))
        assert re.search(r'<a href="/reports"\s*>Rapporter</a>', page), user
        browser.logout()


def test_a_reversed_period_is_shown_beside_the_field_in_swedish(browser: Browser) -> None:
    browser.login("maria")
    response = _report(browser, report="issuance", first="2026-11-30", last="2026-11-01")
    assert response.status_code == 422
    page = text(response)
    assert (
        _error(page, "last")
        == "Perioden slutar innan den börjar: den sista dagen ligger före den första."
    )
    assert 'value="2026-11-30"' in page  # what was posted is kept
    assert 'id="r-last"' in page and 'aria-invalid="true"' in page


def test_malformed_and_missing_fields_are_each_named(browser: Browser) -> None:
    browser.login("maria")
    page = text(_report(browser, report="issuance", first="2026-13-01"))
    assert _error(page, "first") == "Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2026-11-01."
    assert _error(page, "last") == "Ange periodens sista dag."
    page = text(_report(browser, report="audit", case_id="12", card="RK000001"))
    assert _error(page, "subject").startswith("Granskningsutdraget behöver precis ett av")
    page = text(_report(browser, report="expiring", days="0"))
    assert _error(page, "days") == "Skriv ett helt antal dagar från 1 till 3660."


def test_an_unknown_case_is_404_with_the_message_on_the_form(browser: Browser) -> None:
    browser.login("olof")
    response = _report(browser, report="audit", case_id="99999")
    assert response.status_code == 404
    page = text(response)
    assert "Inget ärende med id 99999." in page
    assert 'name="case_id"' in page and 'value="99999"' in page


def test_english_labels_and_errors_after_switching_language(browser: Browser) -> None:
    browser.login("maria")
    assert 'value="sv" lang="sv" selected' in text(browser.get("/reports"))
    browser.post("/language", {"lang": "en", "next": "/reports"})
    page = text(browser.get("/reports"))
    for label in ("Reports", "Report", "From", "To", "Language of the report", "Create PDF"):
        assert f">{label}<" in page, label
    assert "Register of issued reserve cards" in page
    assert 'value="en" lang="en" selected' in page  # the report defaults to the session's
    response = browser.post("/reports", {"report": "issuance", "first": "2026-11-30",
                                         "last": "2026-11-01", "lang": "en"})  # fmt: skip
    assert response.status_code == 422
    assert _error(text(response), "last") == (
        "The period ends before it starts: the last day is before the first."
    )


@pytest.mark.parametrize(
    ("options", "name"),
    [
        (ReportOptions("staffing", "sv", "2026-11-01", "2026-11-30"),
         "sithsflow-staffing-2026-11-01-2026-11-30.pdf"),
        (ReportOptions("audit", "sv", card="RK000001"), "sithsflow-audit-card-RK000001.pdf"),
        (ReportOptions("audit", "sv", holder="../erik ek"), "sithsflow-audit-holder-erikek.pdf"),
        (ReportOptions("expiring", "sv"), "sithsflow-expiring-2026-11-23-30d.pdf"),
        (ReportOptions("expiring", "en", "2026-12-01", days=10),
         "sithsflow-expiring-2026-12-01-10d.pdf"),
    ],
)  # fmt: skip
def test_download_names(options: ReportOptions, name: str) -> None:
    assert download_name(options, local("2026-11-23 10:00").date()) == name


def test_a_job_page_works_without_javascript_and_only_its_owner_opens_it(
    browser: Browser, runtime: Runtime, clock: FixedClock
) -> None:
    job_id = create_job(
        runtime.database,
        clock,
        username="maria",
        report="issuance",
        parameters={"lang": "sv", **NOVEMBER},
        filename="sithsflow-issuance.pdf",
    )  # queued, no runner: the page as it looks while waiting
    browser.login("maria")
    page = text(browser.get(f"/reports/jobs/{job_id}"))
    assert "Väntar på att börja" in page
    assert f'<a href="/reports/jobs/{job_id}">Ladda om sidan' in page  # the no-JS refresh
    assert '<progress id="report-job-progress" max="100" value="0"' in page
    assert 'src="/static/reports.js"' in page and "<script>" not in page
    status = browser.get(f"/reports/jobs/{job_id}/status").get_json()
    assert status == {"id": job_id, "state": "queued", "percent": 0, "rows": 0,
                      "error": None, "download_url": None}  # fmt: skip
    assert browser.client.get(f"/reports/jobs/{job_id}/pdf").status_code == 404  # not ready
    assert "sithsflow-issuance.pdf" not in text(browser.get("/reports"))
    assert "Väntar på att börja" in text(browser.get("/reports"))  # listed as hers
    browser.logout()
    browser.login("olof")  # an auditor, not the owner: no such job for him
    for url in (f"/reports/jobs/{job_id}", f"/reports/jobs/{job_id}/status",
                f"/reports/jobs/{job_id}/pdf"):  # fmt: skip
        assert browser.client.get(url).status_code == 404, url
    assert "Väntar på att börja" not in text(browser.get("/reports"))


def test_the_form_marks_which_reports_take_the_subject_and_the_days(browser: Browser) -> None:
    browser.login("maria")
    page = text(browser.get("/reports"))
    assert '<fieldset data-reports="audit"' in page
    assert '<fieldset data-reports="expiring"' in page
