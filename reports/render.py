"""HTML from Jinja2 templates, PDF from WeasyPrint: the only module that imports WeasyPrint.

The page furniture (running header with organisation, period, generation time, policy and
calendar versions; "sida 3 av 7" footers; table headers repeated on every page; rows never
split) is print CSS in `templates/print.css`, rendered with the report's labels.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2 import FileSystemLoader
from jinja2 import StrictUndefined
from jinja2 import select_autoescape

from engine.reporting.common import ReportHeader
from reports.i18n import Labels

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Page:
    """What a report module hands to the renderer: a template and its context."""

    template: str
    title: str
    period_text: str
    context: dict[str, Any] = field(default_factory=dict)
    landscape: bool = False


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment


_ENVIRONMENT = _environment()


def render_html(page: Page, header: ReportHeader, labels: Labels) -> str:
    """The whole document as HTML, print CSS inlined, ready for WeasyPrint."""
    css = _ENVIRONMENT.get_template("print.css").render(
        t=labels, landscape=page.landscape, title=page.title
    )
    template = _ENVIRONMENT.get_template(page.template)
    return template.render(
        css=css,
        t=labels,
        lang=labels.lang,
        title=page.title,
        period_text=page.period_text,
        header=header,
        generated=header.generated_at.strftime("%Y-%m-%d %H:%M"),
        **page.context,
    )


def write_pdf(html: str, out: Path) -> None:
    """Write the PDF next to its final name, then move it there: no half-written reports."""
    from weasyprint import HTML  # imported here: slow to import, and only rendering needs it

    out = out.resolve()
    handle, temporary = tempfile.mkstemp(prefix=".report-", suffix=".pdf", dir=out.parent)
    os.close(handle)
    try:
        HTML(string=html, base_url=str(TEMPLATES)).write_pdf(temporary)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
