"""Pages answer ids and values that no row can have with 404 or a form error, never 500.

On SQLite and PostgreSQL (issue 10): an id past 2^31 overflowed PostgreSQL's INTEGER, a NUL
character PostgreSQL's, and a date at the calendar's ends Python's datetime.
"""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Browser
from tests.web.conftest import text

BEYOND = 2**31  # past PostgreSQL's INTEGER


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("olof", f"/cases/{BEYOND}"),
        ("olof", f"/cases/{2**63}"),
        ("sara", f"/people/{BEYOND}"),
        ("sara", "/cards/RK%0001"),
    ],
)
def test_an_id_that_cannot_name_a_row_is_a_404_page(browser: Browser, user: str, path: str) -> None:
    browser.login(user)
    answer = browser.get(path)
    assert answer.status_code == 404
    assert not answer.is_json


def test_a_nul_in_a_query_is_refused_as_bad_input(browser: Browser) -> None:
    browser.login("sara")
    assert browser.get("/tasks?process=loa3%00").status_code == 422


@pytest.mark.parametrize("due", ["²", "99999999999999"])
def test_a_due_filter_no_select_offers_filters_nothing(browser: Browser, due: str) -> None:
    browser.login("sara")
    assert browser.get(f"/tasks?due={due}").status_code == 200


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="r-{field}-error">([^<]*)</p>', page)
    assert found, f"no error beside {field}"
    return found.group(1)


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"report": "issuance", "first": "0001-01-01", "last": "0001-01-02"}, "first", "1900"),
        ({"report": "issuance", "first": "2026-01-01", "last": "9999-12-31"}, "last", "2999"),
        ({"report": "audit", "case_id": str(BEYOND)}, "case_id", "heltal"),
        ({"report": "audit", "case_id": "²"}, "case_id", "heltal"),
    ],
)
def test_report_form_values_beyond_range_are_form_errors(
    browser: Browser, fields: dict[str, str], field: str, says: str
) -> None:
    browser.login("maria")
    browser.get("/reports")
    answer = browser.post("/reports", {"lang": "sv", **fields})
    assert answer.status_code in (200, 422)
    assert says in _field_error(text(answer), field)
