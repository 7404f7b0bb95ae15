"""Printed reports for managers and auditors: PDF from HTML templates via WeasyPrint.

Rows come through `engine.reporting` (streamed, judged by the rules in force at each
event's time); this package only lays them out. Entry point for the CLI and the web:

    request = ReportRequest.parse("loa2-compliance", out="r.pdf", first="2025-12-01",
                                  last="2025-12-31", lang="en")
    generate_report(runtime, clock, request)
"""

from __future__ import annotations

from reports.generate import generate_report
from reports.request import REPORT_NAMES
from reports.request import ReportRequest

__all__ = ["REPORT_NAMES", "ReportRequest", "generate_report"]
