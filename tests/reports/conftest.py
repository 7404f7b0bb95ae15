"""Report fixtures: the scenario on a fresh database, and a helper that renders and reads back."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine.clock import FixedClock
from engine.services.runtime import Runtime
from reports import ReportRequest
from reports import generate_report
from tests.reports.scenario import Scenario
from tests.reports.scenario import build
from tests.support.flows import Flows
from tests.support.flows import local

REQUIRE_PDFTOPPM = os.environ.get("SITHSFLOW_REQUIRE_PDFTOPPM") == "1"


@pytest.fixture
def scenario(flows: Flows) -> Scenario:
    return build(flows)


Render = Callable[..., str]


@pytest.fixture
def render(runtime: Runtime, tmp_path: Path) -> Render:
    """`render("issuance", first=..., last=..., now="2025-12-20 12:00")` → the PDF's text."""

    def _render(name: str, *, now: str = "2026-01-20 12:00", **options: object) -> str:
        out = tmp_path / f"{name}-{options.get('lang', 'sv')}.pdf"
        request = ReportRequest.parse(name, out=out, **options)  # type: ignore[arg-type]
        generate_report(runtime, FixedClock(local(now)), request)
        return pdf_text(out)

    _render.folder = tmp_path  # type: ignore[attr-defined]

    return _render


def pdf_text(path: Path) -> str:
    """The PDF's text with whitespace collapsed, so phrases match across wrapped lines."""
    reader = PdfReader(path)
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def page_count(path: Path) -> int:
    return len(PdfReader(path).pages)


def render_first_page_png(pdf: Path) -> Path | None:
    """Page 1 as PNG with pdftoppm; None (test skipped by caller) when it is missing."""
    if shutil.which("pdftoppm") is None:
        if REQUIRE_PDFTOPPM:
            pytest.fail("pdftoppm is not installed but SITHSFLOW_REQUIRE_PDFTOPPM=1")
        return None
    prefix = pdf.with_suffix("")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
    )
    return prefix.with_suffix(".png")
