"""Issue 5 in a real browser: usable on a tablet, keyboard navigable, labelled fields.

The system Chromium (via Playwright) against a real server on a fresh demo database, at a
tablet's width in portrait (768×1024) and landscape (1024×768):

- keyboard only: sign in, open "Nytt reservkort LoA3", fill and send the start form and
  land on the case, with every focused control inside the viewport and with a visible
  focus style (outline or box-shadow), and the skip link taking focus past the header;
- every form control on the login, start, task, queue and reports pages has an accessible
  name (label, aria-label, aria-labelledby, or a button's own text), and no aria
  reference points at a missing id;
- no horizontal scrolling of the page on the tasks, case, card and start pages;
- one <h1> per page, `<html lang>` following the chosen language, and images and SVG
  diagrams with a text alternative.

Screenshots go to test-artifacts/. Without Chromium these tests skip, unless
SITHSFLOW_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any

import pytest

from tests.e2e.browser_support import ARTIFACTS
from tests.e2e.browser_support import LANDSCAPE
from tests.e2e.browser_support import PORTRAIT
from tests.e2e.browser_support import Server
from tests.e2e.browser_support import login
from tests.e2e.browser_support import logout
from tests.e2e.browser_support import open_page
from tests.e2e.browser_support import server as server

if TYPE_CHECKING:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

VIEWPORTS = {"portrait": PORTRAIT, "landscape": LANDSCAPE}
MAX_TABS = 60

# What the focused element is, where it is and how its focus shows.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
  return {
    tag: el.tagName.toLowerCase(), id: el.id, type: el.getAttribute("type") || "",
    className: el.getAttribute("class") || "", inMain: !!el.closest("main"),
    text: (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 80),
    label: (el.getAttribute("aria-label") || label || "").trim().replace(/\\s+/g, " "),
    value: el.value === undefined ? null : el.value,
    top: box.top, left: box.left, bottom: box.bottom, right: box.right,
    width: box.width, height: box.height,
    viewWidth: document.documentElement.clientWidth,
    viewHeight: document.documentElement.clientHeight,
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
  };
}"""

# Every visible form control, with the accessible name it gets from its markup.
_CONTROLS = """() => {
  const text = (node) => (node ? node.textContent : "").trim().replace(/\\s+/g, " ");
  const ids = (el, attr) => (el.getAttribute(attr) || "").split(/\\s+/).filter(Boolean);
  return Array.from(document.querySelectorAll("input, select, textarea, button"))
    .filter((el) => el.type !== "hidden")
    .map((el) => {
      const isButton = el.tagName === "BUTTON" || ["submit", "button", "reset"].includes(el.type);
      const labels = Array.from(el.labels || []).map(text).join(" ").trim();
      const aria = (el.getAttribute("aria-label") || "").trim();
      const labelledBy = ids(el, "aria-labelledby")
        .map((id) => text(document.getElementById(id))).join(" ").trim();
      const own = el.tagName === "BUTTON" ? text(el) : (isButton ? (el.value || "").trim() : "");
      const references = [...ids(el, "aria-labelledby"), ...ids(el, "aria-describedby")];
      return {
        control: el.outerHTML.slice(0, 140),
        name: labelledBy || aria || labels || own,
        missingReferences: references.filter((id) => !document.getElementById(id)),
      };
    });
}"""

_OVERFLOW = """() => {
  const scroller = document.scrollingElement;
  const wide = Array.from(document.querySelectorAll("body *"))
    .filter((el) => el.getBoundingClientRect().right > scroller.clientWidth + 1)
    .filter((el) => !el.closest(".table-wrap, .diagram, .skip-link, .visually-hidden"))
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""))
    .slice(0, 10);
  return {scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth, wide: wide};
}"""

_STRUCTURE = """() => {
  const named = (el) => {
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    if (ids.some((id) => (document.getElementById(id) || {}).textContent)) return true;
    const title = el.querySelector(":scope > title");
    return !!(title && title.textContent.trim());
  };
  return {
    lang: document.documentElement.getAttribute("lang"),
    h1: Array.from(document.querySelectorAll("h1")).map((h) => h.textContent.trim()),
    svgWithoutName: Array.from(document.querySelectorAll("svg"))
      .filter((svg) => !svg.parentElement.closest("svg"))
      .filter((svg) => svg.getAttribute("aria-hidden") !== "true" && !named(svg))
      .map((svg) => svg.outerHTML.slice(0, 120)),
    svgCount: document.querySelectorAll("svg").length,
    imgWithoutAlt: Array.from(document.querySelectorAll("img, [role=img]:not(svg)"))
      .filter((img) => img.getAttribute("alt") === null && !named(img))
      .map((img) => img.outerHTML.slice(0, 120)),
  };
}"""


@pytest.fixture(params=list(VIEWPORTS))
def tablet(request: pytest.FixtureRequest) -> Iterator[Page]:
    with open_page(VIEWPORTS[request.param]) as opened:
        yield opened


@pytest.fixture
def portrait() -> Iterator[Page]:
    with open_page(PORTRAIT) as opened:
        yield opened


def shot(page: Page, name: str, full_page: bool = True) -> None:
    size = page.viewport_size or {"width": 0, "height": 0}
    path = ARTIFACTS / f"a11y-{name}-{size['width']}x{size['height']}.png"
    page.screenshot(path=str(path), full_page=full_page)


def describe(focus: dict[str, Any] | None) -> str:
    if focus is None:
        return "<nothing: focus on the body>"
    name = focus["label"] or focus["text"]
    return f"<{focus['tag']}{'#' + focus['id'] if focus['id'] else ''}> {name!r}"


def assert_visibly_focused(page: Page, focus: dict[str, Any] | None) -> None:
    assert focus is not None, f"focus fell to the body on {page.url}"
    where = f"{describe(focus)} on {page.url}"
    assert focus["width"] > 0 and focus["height"] > 0, f"focused {where} has no size"
    assert focus["left"] >= 0 and focus["top"] >= 0, f"focused {where} is off-screen: {focus}"
    assert focus["right"] <= focus["viewWidth"] + 1, f"focused {where} sticks out right: {focus}"
    assert focus["bottom"] <= focus["viewHeight"] + 1, f"focused {where} is below: {focus}"
    outlined = focus["outlineStyle"] != "none" and focus["outlineWidth"] > 0
    shadowed = focus["boxShadow"] not in ("", "none")
    assert outlined or shadowed, f"focused {where} shows no focus style: {focus}"


def press(page: Page, key: str) -> dict[str, Any]:
    page.keyboard.press(key)
    focus = page.evaluate(_FOCUSED)
    assert_visibly_focused(page, focus)
    return focus  # type: ignore[no-any-return]


def tab_until(
    page: Page, wanted: Callable[[dict[str, Any]], bool], what: str, key: str = "Tab"
) -> dict[str, Any]:
    """Press Tab until the focused element is `wanted`; each stop must be visibly focused."""
    path = []
    for _ in range(MAX_TABS):
        focus = press(page, key)
        path.append(describe(focus))
        if wanted(focus):
            return focus
    raise AssertionError(f"{what} not reached with {key} on {page.url}; went {path}")


def is_link(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["tag"] == "a" and f["text"] == text


def test_keyboard_only_sign_in_and_start_a_loa3_case(tablet: Page, server: Server) -> None:
    page = tablet
    page.goto(server.url + "/login")
    # The user name field has autofocus; going back from it passes the header to the skip link.
    # The browser runs autofocus at its next rendering step after the load, so wait for it.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    start = page.evaluate(_FOCUSED)
    assert start is not None and start["id"] == "username", describe(start)
    assert_visibly_focused(page, start)
    skip = tab_until(page, lambda f: f["className"] == "skip-link", "skip link", key="Shift+Tab")
    assert skip["text"] == "Hoppa till innehållet", skip
    shot(page, "01-login-skip-link", full_page=False)
    assert tab_until(page, lambda f: f["id"] == "username", "the user name field")["label"]
    page.keyboard.type("anna")
    assert press(page, "Tab")["id"] == "password", "password is not the next stop"
    page.keyboard.type("demo")
    submit = press(page, "Tab")
    assert submit["tag"] == "button" and submit["text"] == "Logga in", describe(submit)
    shot(page, "02-login-submit-focused", full_page=False)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/tasks"))

    # The first stop on a page is the skip link; it is visible once focused.
    first = press(page, "Tab")
    assert first["text"] == "Hoppa till innehållet", describe(first)
    link = tab_until(page, is_link("Nytt reservkort LoA3"), "the LoA3 start link")
    shot(page, "03-tasks-start-link-focused", full_page=False)
    assert link["top"] >= 0
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/start/loa3"))

    # The skip link moves focus to <main>; the next Tab is the form's first field.
    assert press(page, "Tab")["text"] == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    holder = press(page, "Tab")
    assert holder["id"] == "f-holder" and holder["label"].startswith("Kortanvändare"), holder
    page.keyboard.type("frida")
    document = press(page, "Tab")
    assert document["tag"] == "select" and document["label"].startswith("ID-handling")
    document = press(page, "ArrowDown")  # a closed select steps to the next option
    assert document["value"] == "passport", f"the ID document was not chosen: {document}"
    shot(page, "04-start-form-filled", full_page=False)
    send = press(page, "Tab")
    assert send["tag"] == "button" and send["text"] == "Starta ärendet", describe(send)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases/\d+$"))

    assert page.locator(".notice.success").is_visible()
    assert page.get_by_text("en annan ID-administratör måste göra den här (R6)").is_visible()
    assert page.locator("h1").inner_text().startswith("Ärende #")
    shot(page, "05-case-after-keyboard-start")
    # On the case page too, Tab passes the header and reaches the page's own links.
    tab_until(page, lambda f: f["inMain"], "the first link in <main> of the case page")


def control_names(page: Page) -> list[dict[str, Any]]:
    controls: list[dict[str, Any]] = page.evaluate(_CONTROLS)
    assert controls, f"no form controls found on {page.url}"
    return controls


def assert_all_named(page: Page, what: str) -> None:
    controls = control_names(page)
    unnamed = [c["control"] for c in controls if not c["name"]]
    broken = [(c["control"], c["missingReferences"]) for c in controls if c["missingReferences"]]
    assert not unnamed, f"{what} ({page.url}): controls without an accessible name: {unnamed}"
    assert not broken, f"{what} ({page.url}): aria references to missing ids: {broken}"


def start_loa3_case(page: Page, server: Server) -> str:
    """anna starts a LoA3 case for frida (with the mouse); returns the case page's URL."""
    login(page, server, "anna")
    page.get_by_role("link", name="Nytt reservkort LoA3").click()
    page.locator("main").get_by_label("Kortanvändare").fill("frida")
    page.locator("main").get_by_label("ID-handling").select_option("passport")
    page.get_by_role("button", name="Starta ärendet").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    return page.url


def test_every_form_control_has_an_accessible_name(portrait: Page, server: Server) -> None:
    page = portrait
    page.goto(server.url + "/login")
    assert_all_named(page, "login")
    page.locator("form.form button[type=submit]").click()  # empty: the page with its error
    assert_all_named(page, "login with an error")

    login(page, server, "anna")
    assert_all_named(page, "tasks")
    page.get_by_role("link", name="Nytt reservkort LoA3").click()
    assert_all_named(page, "LoA3 start")
    page.get_by_role("button", name="Starta ärendet").click()  # empty: errors by the fields
    assert page.locator(".field-error").count() >= 2
    assert_all_named(page, "LoA3 start with errors")
    shot(page, "names-start-with-errors")
    page.locator("main").get_by_label("Kortanvändare").fill("frida")
    page.locator("main").get_by_label("ID-handling").select_option("passport")
    page.get_by_role("button", name="Starta ärendet").click()
    logout(page)

    login(page, server, "bertil")
    page.get_by_role(
        "link", name="Andra identitetskontrollen och utfärdande, reservkort LoA3"
    ).first.click()
    assert_all_named(page, "second verification task")
    page.get_by_role("button", name="Slutför uppgiften").click()  # empty: errors
    assert_all_named(page, "second verification task with errors")
    shot(page, "names-task-with-errors")
    logout(page)

    login(page, server, "david")
    page.get_by_role("link", name="Beställ LoA2").click()
    assert_all_named(page, "LoA2 order")
    logout(page)

    login(page, server, "maria")  # a manager may print every report
    page.get_by_role("link", name="Rapporter").click()
    assert_all_named(page, "reports")
    shot(page, "names-reports")


def assert_no_horizontal_scroll(page: Page, what: str) -> None:
    found = page.evaluate(_OVERFLOW)
    assert found["scrollWidth"] <= found["clientWidth"] + 1, (
        f"{what} ({page.url}) scrolls sideways at {found['clientWidth']} px: "
        f"{found['scrollWidth']} px wide; too wide: {found['wide']}"
    )


def test_no_horizontal_scrolling_at_tablet_width(tablet: Page, server: Server) -> None:
    page = tablet
    case_url = start_loa3_case(page, server)
    assert_no_horizontal_scroll(page, "case")
    shot(page, "reflow-case")
    page.goto(server.url + "/tasks")
    assert_no_horizontal_scroll(page, "tasks (anna)")
    page.get_by_role("link", name="Nytt reservkort LoA3").click()
    assert_no_horizontal_scroll(page, "LoA3 start")
    page.get_by_role("button", name="Starta ärendet").click()
    assert_no_horizontal_scroll(page, "LoA3 start with errors")
    shot(page, "reflow-start-with-errors")
    page.goto(server.url + "/cards/RK000050")
    assert page.locator("h1").inner_text().startswith("Reservkort RK000050")
    assert_no_horizontal_scroll(page, "card in stock")
    logout(page)

    login(page, server, "bertil")
    assert_no_horizontal_scroll(page, "tasks with a group queue (bertil)")
    shot(page, "reflow-tasks")
    page.get_by_role(
        "link", name="Andra identitetskontrollen och utfärdande, reservkort LoA3"
    ).first.click()
    assert_no_horizontal_scroll(page, "second verification task")
    page.locator("main").get_by_label("ID-handling").select_option("national_id_card")
    page.locator("main").get_by_label("Kortnummer").fill("RK000001")
    page.locator("main").get_by_label("Giltigt till").fill("2027-05-24")
    page.get_by_role("button", name="Slutför uppgiften").click()
    page.goto(case_url)
    assert_no_horizontal_scroll(page, "completed case")
    page.goto(server.url + "/cards/RK000001")
    assert_no_horizontal_scroll(page, "issued card")
    shot(page, "reflow-card")


def structure(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(_STRUCTURE)
    assert len(found["h1"]) == 1, f"{page.url} has {len(found['h1'])} <h1>: {found['h1']}"
    assert not found["svgWithoutName"], f"{page.url}: SVG without a name {found}"
    assert not found["imgWithoutAlt"], f"{page.url}: image without alt {found}"
    return found


def test_headings_language_and_diagram_names(portrait: Page, server: Server) -> None:
    page = portrait
    page.goto(server.url + "/login")
    assert structure(page)["lang"] == "sv"
    case_url = start_loa3_case(page, server)
    on_case = structure(page)
    assert on_case["lang"] == "sv" and on_case["svgCount"] >= 1, on_case
    diagram = page.get_by_role("img", name="Processkarta")
    assert diagram.count() == 1
    for path in ("/tasks", "/start/loa3", "/cards/RK000050", "/cases", "/search?q=frida"):
        page.goto(server.url + path)
        assert structure(page)["lang"] == "sv", path

    page.goto(case_url)
    page.get_by_role("button", name="English").click()
    page.wait_for_url(case_url)
    in_english = structure(page)
    assert in_english["lang"] == "en", in_english
    assert in_english["h1"][0].startswith("Case #")
    assert page.get_by_role("img", name="Process diagram").count() == 1
    shot(page, "structure-case-in-english")
    for path in ("/tasks", "/start/loa3", "/cards/RK000050"):
        page.goto(server.url + path)
        assert structure(page)["lang"] == "en", path
    # The language button names the other language in that language.
    switch = page.get_by_role("button", name="Svenska")
    assert switch.get_attribute("lang") == "sv"
    logout(page)
    assert structure(page)["lang"] == "en"
