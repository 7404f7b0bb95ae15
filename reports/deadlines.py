"""Deadlines (R7, R8): per-case waiting times, per-station median and 95th percentile."""

from __future__ import annotations

from engine.reporting.deadlines import DeadlineReport
from engine.reporting.deadlines import DeadlineRow
from reports.charts import bars
from reports.i18n import Labels
from reports.render import Page
from reports.sources import Sources
from reports.sources import collect
from reports.tables import Cell
from reports.tables import Column
from reports.tables import Table


def columns(t: Labels) -> list[Column[DeadlineRow]]:
    """One LoA3 case per row: both verifications, the R7 deadline and the outcome."""

    def first(row: DeadlineRow) -> Cell:
        return [(t.when(row.first_at), ""), (f"{row.first_admin} · {row.station}", "small")]

    def second(row: DeadlineRow) -> Cell:
        if not row.second_at:
            return [("–", "")]
        where = f" · {row.second_station}" if row.second_station else ""
        return [(t.when(row.second_at), ""), (f"{row.second_admin}{where}", "small")]

    def outcome(row: DeadlineRow) -> Cell:
        late = row.outcome in ("lapsed", "overdue")
        return [(t("out_" + row.outcome), "bad" if late else "")]

    return [
        Column(t("case"), 7, lambda row: [(f"#{row.case_id}", "")]),
        Column(t("holder"), 14, lambda row: [(row.holder, "")]),
        Column(t("first_verification"), 22, first),
        Column(t("deadline"), 12, lambda row: [(t.when(row.deadline_at), "")]),
        Column(t("second_verification"), 22, second),
        Column(t("waited"), 9, lambda row: [(t.hours(row.hours), "")], right=True),
        Column(t("outcome"), 14, outcome),
    ]


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
        tables=[Table(t("cases"), columns(t), detail.rows, detail.count)] if detail.count else [],
    )
