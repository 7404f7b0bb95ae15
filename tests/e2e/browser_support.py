"""What the browser tests share: a real server on a fresh copy of the demo database with a
settable clock, the system Chromium (Debian's `chromium` package) driven by Playwright,
screenshots in test-artifacts/, and signing in and out.

Without Chromium the tests skip, unless SITHSFLOW_REQUIRE_BROWSER=1 (CI), where they fail
instead. Test modules take the fixtures with `from tests.e2e.browser_support import page as
page` (the redundant alias marks a re-export, so linters keep it).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.clock import FixedClock
from engine.services.runtime import bootstrap
from engine.settings import Settings
from tests.support.flows import local
from web import create_app
from web.context import CLOCK_KEY

if TYPE_CHECKING:  # pragma: no cover - names for the type checker only
    from playwright.sync_api import Page
    from playwright.sync_api import ViewportSize

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
REQUIRE_BROWSER = os.environ.get("SITHSFLOW_REQUIRE_BROWSER") == "1"
# A tablet in landscape, the card stations' usual device.
LANDSCAPE: ViewportSize = {"width": 1024, "height": 768}
PORTRAIT: ViewportSize = {"width": 768, "height": 1024}


@dataclass
class Server:
    url: str
    clock: FixedClock


@pytest.fixture
def server(sqlite_template: Path, tmp_path: Path) -> Iterator[Server]:
    from werkzeug.serving import make_server

    database = tmp_path / "browser.db"
    shutil.copyfile(sqlite_template, database)
    runtime = bootstrap(f"sqlite:///{database}")
    clock = FixedClock(local("2026-11-23 10:00"))
    settings = Settings.from_env(
        {"SITHSFLOW_INSTANCE": str(tmp_path / "instance"), "SITHSFLOW_SECRET_KEY": "e2e"}
    )
    app = create_app(settings, runtime)
    app.config[CLOCK_KEY] = clock
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{http.server_port}", clock)
    finally:
        http.shutdown()
        thread.join(timeout=10)
        runtime.database.dispose()


@contextmanager
def open_page(viewport: ViewportSize, locale: str = "sv-SE") -> Iterator[Page]:
    """A page in the system Chromium at this viewport; skips (or fails in CI) without it."""
    chromium = shutil.which("chromium")
    if chromium is None:
        if REQUIRE_BROWSER:
            pytest.fail("chromium is not installed but SITHSFLOW_REQUIRE_BROWSER=1")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=viewport, locale=locale)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


@pytest.fixture
def page() -> Iterator[Page]:
    with open_page(LANDSCAPE) as opened:
        yield opened


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page: Page, server: Server, user: str) -> None:
    page.goto(server.url + "/login")
    page.locator("#username").fill(user)
    page.locator("#password").fill("demo")
    page.locator("form.form button[type=submit]").click()


def logout(page: Page) -> None:
    page.locator("form[action='/logout'] button").click()
