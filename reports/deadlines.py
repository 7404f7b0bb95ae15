"""Deadlines (R7, R8): per-case waiting times, per-station median and 95th percentile."""

from __future__ import annotations

from engine.reporting.deadlines import DeadlineReport
from reports.charts import bars
from reports.render import Page
from reports.sources import Sources
from reports.sources import collect


def build(sources: Sources) -> Page:
    t = sources.labels
    report = DeadlineReport(
        sources.session, sources.staff, sources.period, sources.clock.now(), scope=sources.scope
    )
    detail = collect(sources, report.rows())
    summary = report.summary
    buckets = [t("days_bucket", a=n, b=n + 1) for n in range(len(summary.histogram))]
    chart = None
    if any(summary.histogram):
        chart = bars(t("chart_deadlines"), buckets, t("completed"), summary.histogram)
    stations = sorted(summary.stations.items())
    return Page(
        template="deadlines.html",
        title=t("deadlines_title"),
        period_text=sources.period_text(),
        context={
            "detail": detail,
            "stations": stations,
            "overall": summary.total,
            "buckets": list(zip(buckets, summary.histogram, strict=True)),
            "chart_uri": chart,
            # R7: the lengths the cases' own versions gave them ("5", or "5, 7" when mixed).
            "deadline_days": ", ".join(str(d) for d in sorted(summary.deadline_days)) or "–",
        },
    )
