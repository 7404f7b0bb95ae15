"""The case page of a process whose BPMN quotes XML in CDATA renders (issue 10).

The diagram cut a version's source into documents at every `<?xml`, also one inside a
CDATA section (a script or documentation quoting XML), and every case page of that
process answered 500. The version here is deployed as a process owner deploys it.
"""

from __future__ import annotations

from engine.services.deploy import deploy_contents
from tests.support.flows import Flows
from tests.support.versions import changed
from tests.web.conftest import Browser
from tests.web.conftest import text

TASK_DOCUMENTATION = "<bpmn:documentation>R6: a second, different"
QUOTED_XML = (
    '<bpmn:documentation><![CDATA[Svaret ser ut så här: <?xml version="1.0" '
    'encoding="UTF-8"?><svar><kort>RK000001</kort></svar>]]>'
    '<!-- <?xml version="1.0"?> in a comment starts nothing either -->R6: a second, different'
)


def test_a_case_page_renders_when_the_bpmn_quotes_xml_in_cdata(
    browser: Browser, flows: Flows
) -> None:
    source = changed("loa3-reserve.bpmn", (TASK_DOCUMENTATION, QUOTED_XML))
    deployed = deploy_contents(
        flows.runtime, flows.clock, {"loa3-reserve.bpmn": source.encode("utf-8")}, "petra"
    )
    assert [d.version for d in deployed if d.kind == "process"] == [2]
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    assert case.version == 2
    browser.login("olof")
    page = browser.get(f"/cases/{case.id}")
    assert page.status_code == 200, text(page)[:300]
    assert '<svg class="bpmn"' in text(page)
    assert "second_verification" in text(page) or "Andra identitetskontrollen" in text(page)
