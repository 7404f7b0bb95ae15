"""Issue 11 in a real browser: a first-week user of each role, in Swedish and in English,
finds no raw id on any page, and the case diagram stays readable on a tablet.

Each demo user (the ID administrators, the service desk, the remote administrator, the
process owner and system administrator, the manager, the auditor, and the card users frida,
who started a forgotten-card case, and ivan, whose attest step waits) signs in and walks every
page their menu and their cases lead to: start page, queues, task forms, case list, each
case (completed, open, lapsed), card, person, search, start forms, administration, reports,
the "already done" page of a completed task. On each, the text a person reads (the page's
text, the diagram's labels and tooltips, button and field labels) must hold none of:

- a BPMN element id of the deployed models (`second_verification`, `deadline`,
  `loa3-reserve`, `flow_phase_issue` …),
- a state key (`completed`, `lapsed`, `in_stock` …), a role or right key (`loa3_admin`,
  `service_desk` …), a form field key (`holder`, `card_number` …),
- an organisation or card station code (`region-demo`, `halmstad`).

In English, codes that are also English words ("completed", "start", "reminder") are
legitimate text, so the English pass checks the codes that no sentence contains (those with
`_` or `-`). Screenshots at 1280 and 768 px go to test-artifacts/ and are checked for their
width; at 768 px the page has no horizontal overflow and the diagram's labels render at 11 px
or more, uncut, with zoom and pan by buttons and keyboard.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from engine.clock import FixedClock
from engine.model import CardStation
from engine.model import Organisation
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
from engine.rights import ROLE_LABELS
from engine.services.runtime import bootstrap
from engine.services.timers import fire_due_timers
from tests.e2e.browser_support import ARTIFACTS
from tests.e2e.browser_support import Server
from tests.e2e.browser_support import login
from tests.e2e.browser_support import logout
from tests.e2e.browser_support import open_page
from tests.e2e.browser_support import server as server
from tests.support.flows import Flows
from tests.support.flows import local

if TYPE_CHECKING:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page
    from playwright.sync_api import ViewportSize

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
USERS = ("anna", "bertil", "cecilia", "david", "sara", "petra", "maria", "olof", "frida", "ivan")
WIDE: ViewportSize = {"width": 1280, "height": 900}
NARROW: ViewportSize = {"width": 768, "height": 1024}
MIN_LABEL_PX = 11

# Everything a person reads: the page's text, the SVG labels and tooltips, and the names
# of controls. A register's own code, shown to the system administrator who edits it, is
# marked `code.register-code` and left out.
_READ = """() => {
  const parts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('svg text, svg title, option')) {
    parts.push(el.textContent);
  }
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
    for (const name of ['title', 'aria-label', 'placeholder']) {
      if (el.hasAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  let text = parts.join('\\n');
  for (const el of document.querySelectorAll('code.register-code')) {
    text = text.split(el.textContent).join(' ');
  }
  return text;
}"""

# How the diagram renders: the smallest label in CSS px, cut labels, overflow.
_DIAGRAM = """() => {
  const svg = document.querySelector('svg.bpmn');
  if (!svg) return null;
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  let smallest = 1000;
  const cut = [];
  for (const text of svg.querySelectorAll('text')) {
    const size = parseFloat(getComputedStyle(text).fontSize) * scale;
    smallest = Math.min(smallest, size);
    if (text.textContent.includes('…')) cut.push(text.textContent);
  }
  const view = document.getElementById('diagram-view');
  return {
    smallest: smallest, cut: cut, svgWidth: svg.getBoundingClientRect().width,
    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    viewWidth: view.getBoundingClientRect().width, scrollLeft: view.scrollLeft,
    toolsHidden: document.querySelector('[data-diagram-tools]').hidden,
  };
}"""


FIELD_KEYS_THAT_ARE_WORDS = {"organisation"}


def _codes() -> set[str]:
    """Every code of the models and the engine: BPMN ids, states, roles and rights, form
    field keys (organisation and station codes come from the database: `_places`)."""
    codes: set[str] = set()
    for path in (ROOT / "processes").glob("*.bpmn"):
        for node in ElementTree.parse(path).getroot().iter():
            if node.tag.startswith(BPMN) and "id" in node.attrib:
                codes.add(node.attrib["id"])
    codes |= set(CASE_STATES) | {TASK_READY, TASK_COMPLETED, TASK_CANCELLED}
    codes |= {TIMER_WAITING, TIMER_FIRED, TIMER_CANCELLED, "failed"}
    codes |= {CARD_IN_STOCK, CARD_ISSUED, CARD_REVOKED}
    codes |= set(RIGHTS) | set(ROLE_LABELS)
    for path in (ROOT / "forms").glob("*.json"):
        codes |= set(re.findall(r'"([a-z][a-z0-9_]+)":\s*\{\s*"type"', path.read_text("utf-8")))
    # CONTRACT.md's field `organisation` (employment-end) is also a Swedish and English word.
    return codes - FIELD_KEYS_THAT_ARE_WORDS


EMAIL = re.compile(r"\S+@\S+")


def _raw_ids_in(text: str, codes: set[str]) -> list[str]:
    """The codes that stand as words in `text` (an e-mail address's domain is no code)."""
    text = EMAIL.sub(" ", text)
    return sorted(c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text))


def _places(database: Path) -> set[str]:
    runtime = bootstrap(f"sqlite:///{database}")
    try:
        with runtime.database.sessions() as session:
            found = set(session.scalars(select(Organisation.code)))
            found |= set(session.scalars(select(CardStation.code)))
    finally:
        runtime.database.dispose()
    return found


def _cases(database: Path) -> dict[str, object]:
    """A completed LoA3 case, a lapsed one, one waiting for bertil, an issued LoA2 case
    waiting for david's renewal request and an order waiting for the service desk."""
    runtime = bootstrap(f"sqlite:///{database}")
    clock = FixedClock(local("2026-11-20 10:00"))
    flows = Flows(runtime, clock)
    try:
        lapsed = flows.start_loa3(holder="erik").id
        flows.at("2026-11-26 10:00")
        fire_due_timers(runtime, clock)
        completed = flows.at("2026-11-23 10:00").start_loa3().id
        done_task = flows.task_id(completed, "second_verification")
        flows.at("2026-11-24 10:00").complete(
            completed,
            "second_verification",
            "bertil",
            id_document="national_id_card",
            card_number="RK000001",
            valid_until="2027-05-24",
        )
        waiting = flows.at("2026-11-25 10:00").start_loa3(holder="erik").id
        issued = flows.at("2026-11-23 15:01").order_loa2().id
        flows.complete(
            issued, "issue_loa2", "sara", card_number="RK000002", valid_until="2026-12-07"
        )
        ordered = flows.at("2026-11-25 15:30").order_loa2(holder="erik").id
        # R20: frida's forgotten-card case, attested by hanna, ivan's step waiting.
        forgotten = (
            flows.at("2026-03-02 18:00")
            .start(
                "forgotten-card",
                "frida",
                attester_1="hanna",
                attester_2="ivan",
                card_number="RK000003",
            )
            .id
        )
        flows.complete(forgotten, "attest", "hanna", attestation="known_colleague")
        return {
            "cases": [completed, lapsed, waiting, issued, ordered],
            "forgotten": forgotten,
            "done_task": done_task,
        }
    finally:
        runtime.database.dispose()


def _choose(page: Page, lang: str) -> None:
    button = page.get_by_role("button", name="English" if lang == "en" else "Svenska")
    if button.count():
        button.click()
        page.wait_for_load_state()


def _pages(page: Page, server: Server, user: str, made: dict[str, object]) -> list[str]:
    """The pages this user's menu and cases lead to."""
    urls = ["/", "/cases", "/cards/RK000001", "/cards/RK000002", "/search?q=RK00000"]
    urls += [f"/cases/{case}" for case in made["cases"]]  # type: ignore[attr-defined]
    urls.append(f"/cases/{made['forgotten']}")
    urls += ["/search?q=Frida", "/search?q=a", f"/tasks/{made['done_task']}"]
    page.goto(server.url + "/")
    menu = [a.get_attribute("href") or "" for a in page.locator("header nav a").all()]
    urls += [href for href in menu if href.startswith("/")]
    if "/tasks" in menu:
        page.goto(server.url + "/tasks")
        urls += sorted(
            {
                a.get_attribute("href") or ""
                for a in page.locator("main td a[href^='/tasks/']").all()
            }
        )
    if "/admin" in menu:
        page.goto(server.url + "/admin")
        urls += [a.get_attribute("href") or "" for a in page.locator("main a.button").all()]
        person = page.locator("main td a[href^='/admin/people/']").first.get_attribute("href")
        station = page.locator("main td a[href^='/admin/stations/']").first.get_attribute("href")
        urls += [person or "", station or ""]
        page.goto(server.url + (person or "/admin"))
        urls += [a.get_attribute("href") or "" for a in page.locator("main td a").all()]
    page.goto(server.url + "/cases/1")
    people = page.locator("main a[href^='/people/']")
    if people.count():
        urls.append(people.first.get_attribute("href") or "")
    return list(dict.fromkeys(u for u in urls if u))


def _walk(
    page: Page, server: Server, made: dict[str, object], codes: set[str]
) -> tuple[list[str], dict[str, set[int]]]:
    """(every raw id found as "user lang url: code", each page kind's HTTP statuses)."""
    everyone, unwordy = codes, {c for c in codes if "_" in c or "-" in c}
    found: list[str] = []
    seen: dict[str, set[int]] = {}
    for user in USERS:
        login(page, server, user)
        urls = _pages(page, server, user, made)
        for lang in ("sv", "en"):
            _choose(page, lang)
            for url in urls:
                response = page.goto(server.url + url)
                kind = re.sub(r"/[0-9a-f-]{36}|/\d+|\?.*", "/…", url)
                seen.setdefault(kind, set()).add(response.status if response else 0)
                raw = _raw_ids_in(page.evaluate(_READ), everyone if lang == "sv" else unwordy)
                found += [f"{user} {lang} {url}: {code}" for code in raw]
        _choose(page, "sv")
        logout(page)
    return found, seen


def _png_width(path: Path) -> int:
    with path.open("rb") as image:
        header = image.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return int(struct.unpack(">I", header[16:20])[0])


def test_every_role_reads_names_not_ids_on_every_page_in_both_languages(
    server: Server, tmp_path: Path
) -> None:
    database = tmp_path / "browser.db"
    made = _cases(database)
    codes = _codes() | _places(database)
    server.clock.set(local("2026-11-26 16:00"))
    with open_page(WIDE) as page:
        found, seen = _walk(page, server, made, codes)
    assert not found, "raw ids on the pages:\n" + "\n".join(found)
    # The walk reached every kind of page: forms to work, the "already done" page, the
    # start forms, the registers and the reports.
    assert {200, 409} <= seen["/tasks/…"], seen
    for kind in ("/tasks", "/start/loa3", "/start/loa2", "/admin", "/admin/people/…"):
        assert 200 in seen.get(kind, set()), (kind, sorted(seen))
    assert 200 in seen["/admin/stations/…"] and 200 in seen["/reports"], seen
    assert 200 in seen["/cases/…"] and 200 in seen["/cards/RK000001"], seen
    # The card users' pages: the forgotten-card start form (R20).
    assert 200 in seen["/start/forgotten-card"], seen


@pytest.mark.parametrize("width", [1280, 768])
def test_case_pages_at_1280_and_768_px_keep_diagram_labels_readable_with_zoom_and_pan(
    server: Server, tmp_path: Path, width: int
) -> None:
    made = _cases(tmp_path / "browser.db")
    server.clock.set(local("2026-11-26 16:00"))
    completed, _lapsed, waiting, issued, _ordered = made["cases"]  # type: ignore[misc]
    viewport = WIDE if width == 1280 else NARROW
    with open_page(viewport) as page:
        login(page, server, "anna")
        for lang in ("sv", "en"):
            _choose(page, lang)
            for name, url in (
                ("loa2-case", f"/cases/{issued}"),
                ("loa3-case", f"/cases/{completed}"),
                ("loa3-waiting", f"/cases/{waiting}"),
                ("task-done", f"/tasks/{made['done_task']}"),
                ("cases", "/cases"),
            ):
                page.goto(server.url + url)
                shot = ARTIFACTS / f"wording-{name}-{lang}-{width}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert _png_width(shot) == width, shot
                overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                assert overflow <= 0, f"{url} at {width} px overflows by {overflow} px"
                if not url.startswith("/cases/"):
                    continue
                drawn = page.evaluate(_DIAGRAM)
                assert drawn is not None, url
                assert drawn["smallest"] >= MIN_LABEL_PX, (url, lang, drawn["smallest"])
                assert drawn["cut"] == [], (url, lang, drawn["cut"])
                assert not drawn["toolsHidden"]
        _zoom_and_pan(page, server, issued)


def _zoom_and_pan(page: Page, server: Server, case: object) -> None:
    page.goto(server.url + f"/cases/{case}")
    view = page.locator("#diagram-view")
    before = page.evaluate(_DIAGRAM)
    page.get_by_role("button", name=re.compile("Zoom in|Zooma in")).click()
    zoomed = page.evaluate(_DIAGRAM)
    assert zoomed["svgWidth"] == pytest.approx(before["svgWidth"] * 1.25, rel=0.02)
    view.focus()
    page.keyboard.press("0")
    assert page.evaluate(_DIAGRAM)["svgWidth"] == pytest.approx(before["svgWidth"], rel=0.02)
    page.keyboard.press("-")
    assert page.evaluate(_DIAGRAM)["svgWidth"] < before["svgWidth"]
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert page.evaluate(_DIAGRAM)["svgWidth"] > before["svgWidth"]
    start = page.evaluate(_DIAGRAM)["scrollLeft"]
    page.keyboard.press("ArrowRight")
    assert page.evaluate(_DIAGRAM)["scrollLeft"] > start
    assert view.get_attribute("tabindex") == "0" and view.get_attribute("aria-label")
