"""Expiring certificates: the window, each certificate's renewal state and who must act."""

from __future__ import annotations

from datetime import datetime

from engine.policy.timekeeping import add_local_days
from engine.reporting.expiring import ExpiringCertificates
from reports.render import Page
from reports.request import DEFAULT_EXPIRING_DAYS
from reports.sources import Sources
from reports.sources import collect


def window(sources: Sources) -> tuple[datetime, datetime]:
    """[start, end): `--from`/`--to` days, or `--days` (default 30) from `--from` or now."""
    request = sources.request
    days = request.days or DEFAULT_EXPIRING_DAYS
    if request.period is None:
        start = sources.clock.now()
        return start, add_local_days(start, days)
    if request.first_day_only:
        return request.period.start, add_local_days(request.period.start, days)
    return request.period.start, request.period.end


def build(sources: Sources) -> Page:
    t = sources.labels
    start, end = window(sources)
    now = sources.clock.now()
    report = ExpiringCertificates(
        sources.session, sources.staff, start, end, now, scope=sources.scope
    )
    detail = collect(sources, report.rows())
    return Page(
        template="expiring.html",
        title=t("expiring_title"),
        period_text=f"{t.when(start)} – {t.when(end)}",
        context={"detail": detail, "summary": report.summary},
    )
