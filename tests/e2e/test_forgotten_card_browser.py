"""R20 forgotten card in a real browser (Debian's Chromium via Playwright): frida, a card
user with no administrator's role, signs in, starts a forgotten-card case for herself
naming hanna and ivan; hanna attests from her own queue, then ivan from his; the temporary
card is issued and frida follows it all on the case page. The refusals a new user meets
are shown as the engine words them: naming herself, naming one colleague twice, and erik's
hemtjanst-demo, which does not allow forgotten-card temporary cards.

The clock stands on a Monday evening before 2026-06-30: outside office hours (R12), and
while Region Demo still gets LoA2 cards (R14). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser_support import PORTRAIT
from tests.e2e.browser_support import Server
from tests.e2e.browser_support import login
from tests.e2e.browser_support import logout
from tests.e2e.browser_support import open_page
from tests.e2e.browser_support import page as page
from tests.e2e.browser_support import server as server
from tests.e2e.browser_support import shot
from tests.e2e.test_accessibility import assert_all_named
from tests.e2e.test_accessibility import assert_no_horizontal_scroll
from tests.support.flows import local

if TYPE_CHECKING:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

EVENING = "2026-03-02 18:00"
ATTEST = "Intyga kollegans identitet"


def _start(
    page: Page, first: str, second: str, card: str = "RK000007", *, refused: bool = False
) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Jag har glömt mitt kort").click()
    main = page.locator("main")
    main.get_by_label("Första intygsgivare").fill(first)
    main.get_by_label("Andra intygsgivare").fill(second)
    main.get_by_label("Kortnummer").fill(card)
    page.get_by_role("button", name="Starta ärendet").click()
    if refused:
        page.get_by_role("alert").wait_for()
    else:  # measuring before the case page has its stylesheet sees the diagram unclipped
        page.wait_for_url(re.compile(r"/cases/\d+$"))


def _attest(page: Page, server: Server, user: str, name: str) -> None:
    login(page, server, user)
    assert page.get_by_role("heading", name="Steg som är dina").is_visible()
    page.get_by_role("link", name=ATTEST).first.click()
    assert page.get_by_text("Frida Fors").first.is_visible()
    shot(page, f"forgotten-{name}-attest-form")
    page.locator("main").get_by_label("Intygande").select_option("known_colleague")
    page.get_by_role("button", name="Slutför uppgiften").click()
    assert page.locator(".notice.success").is_visible()


def test_r20_frida_starts_hanna_and_ivan_attest_in_turn_and_the_temporary_card_is_issued(
    page: Page, server: Server
) -> None:
    server.clock.set(local(EVENING))
    login(page, server, "frida")
    # A card user lands on her own steps, with the way to a temporary card beside them.
    assert page.get_by_text("Ingen kollega väntar på ditt intygande.").is_visible()
    shot(page, "forgotten-01-frida-home")
    _start(page, "hanna", "ivan")
    assert page.locator(".notice.success").is_visible()
    assert page.get_by_text("Väntar på att hanna intygar").is_visible()
    assert page.locator("svg.bpmn").is_visible()
    case_url = page.url
    shot(page, "forgotten-02-case-started")
    logout(page)

    # ivan's turn has not come: his queue is empty and the case is not his to read (S2).
    login(page, server, "ivan")
    assert page.get_by_text("Ingen kollega väntar på ditt intygande.").is_visible()
    response = page.goto(case_url)
    assert response is not None and response.status == 404
    logout(page)

    _attest(page, server, "hanna", "03-hanna")
    assert page.get_by_text("Väntar på att ivan intygar").is_visible()
    logout(page)

    _attest(page, server, "ivan", "04-ivan")
    assert page.locator(".state-completed").first.is_visible()
    logout(page)

    login(page, server, "frida")
    page.get_by_role("navigation").get_by_role("link", name="Ärenden").click()
    page.locator(f"main a[href='{case_url.removeprefix(server.url)}']").click()
    assert page.locator(".state-completed").first.is_visible()
    assert page.get_by_text("RK000007").first.is_visible()
    history = page.locator("section[aria-labelledby='history-title']")
    assert history.get_by_text("Jag känner kollegan och intygar identiteten").count() == 2
    assert history.get_by_text("hanna").count() >= 1 and history.get_by_text("ivan").count() >= 1
    shot(page, "forgotten-05-card-issued")


def test_r20_refusals_naming_oneself_one_colleague_twice_and_an_organisation_without_r20(
    page: Page, server: Server
) -> None:
    server.clock.set(local(EVENING))
    login(page, server, "frida")
    _start(page, "frida", "ivan", refused=True)
    alert = page.get_by_role("alert")
    assert "Intygsgivarna ska vara två olika kollegor, ingen av dem du själv" in alert.inner_text()
    shot(page, "forgotten-06-refused-self")
    page.locator("main").get_by_label("Första intygsgivare").fill("hanna")
    page.locator("main").get_by_label("Andra intygsgivare").fill("hanna")
    page.get_by_role("button", name="Starta ärendet").click()
    assert "Intygsgivarna ska vara två olika kollegor" in page.get_by_role("alert").inner_text()
    # In English the same refusal in English.
    page.get_by_role("button", name="English").click()
    page.get_by_role("navigation").get_by_role("link", name="I forgot my card").click()
    page.locator("main").get_by_label("First attester").fill("hanna")
    page.locator("main").get_by_label("Second attester").fill("hanna")
    page.locator("main").get_by_label("Card number").fill("RK000007")
    page.get_by_role("button", name="Start case").click()
    assert (
        "The attesters must be two different colleagues" in page.get_by_role("alert").inner_text()
    )
    page.get_by_role("button", name="Svenska").click()
    logout(page)

    login(page, server, "erik")
    _start(page, "hanna", "ivan", refused=True)
    refusal = page.get_by_role("alert").inner_text()
    assert "tillåter inte tillfälliga reservkort med intygsgivare (R20)" in refusal
    shot(page, "forgotten-07-refused-organisation")
    page.get_by_role("navigation").get_by_role("link", name="Ärenden").click()
    assert page.locator("main tbody tr").count() == 0


def test_r20_the_card_users_pages_name_every_control_and_fit_a_portrait_tablet(
    server: Server,
) -> None:
    """A card user's queue, start form (also with its errors), an attester's form and the
    case page: every control named, no sideways scrolling at 768 px."""
    server.clock.set(local(EVENING))
    with open_page(PORTRAIT) as tablet:
        login(tablet, server, "frida")
        for what in ("card user's queue", "forgotten-card start"):
            if what == "forgotten-card start":
                tablet.get_by_role("navigation").get_by_role(
                    "link", name="Jag har glömt mitt kort"
                ).click()
            assert_all_named(tablet, what)
            assert_no_horizontal_scroll(tablet, what)
        tablet.get_by_role("button", name="Starta ärendet").click()  # empty: errors
        assert tablet.locator(".field-error").count() >= 3
        assert_all_named(tablet, "forgotten-card start with errors")
        assert_no_horizontal_scroll(tablet, "forgotten-card start with errors")
        _start(tablet, "hanna", "ivan")
        assert_no_horizontal_scroll(tablet, "forgotten-card case")
        logout(tablet)
        login(tablet, server, "hanna")
        tablet.get_by_role("link", name=ATTEST).first.click()
        assert_all_named(tablet, "attest step")
        assert_no_horizontal_scroll(tablet, "attest step")
        shot(tablet, "forgotten-08-attest-portrait")
