"""LoA2 dispensation compliance: violations first, then the compliant rows, then the summary."""

from __future__ import annotations

from engine.reporting.compliance import ComplianceRow
from engine.reporting.compliance import Loa2Compliance
from reports.charts import VERDICT_COLOURS
from reports.charts import stacked_bars
from reports.render import Page
from reports.sources import Detail
from reports.sources import Sources

RULES = ("R11", "R12", "R13", "R14")


def build(sources: Sources) -> Page:
    t = sources.labels
    report = Loa2Compliance(
        sources.session, sources.staff, sources.policy, sources.period, scope=sources.scope
    )
    limit = sources.request.detail_limit
    violations: Detail[ComplianceRow] = Detail(limit)
    compliant: Detail[ComplianceRow] = Detail(limit)
    # One streaming pass: violations and compliant rows go to separate capped tables, so
    # violations print first without sorting the whole period.
    for row in report.rows():
        sources.tick()
        (compliant if row.verdict.compliant else violations).offer(row)
    # The cap is shared: violations come first and may take all of it (WeasyPrint's time
    # and memory grow with the rows printed, not with the rows judged).
    room = max(0, limit - len(violations.rows))
    compliant.more += max(0, len(compliant.rows) - room)
    del compliant.rows[room:]
    summary = report.summary
    chart = None
    if summary.total:
        months = summary.months
        chart = stacked_bars(
            t("chart_compliance"),
            [t.month(m) for m in months],
            [
                (t("compliant"), [summary.by_month[m]["compliant"] for m in months]),
                (t("violating"), [summary.by_month[m]["violating"] for m in months]),
            ],
            colours=VERDICT_COLOURS,
        )
    return Page(
        template="compliance.html",
        title=t("compliance_title"),
        period_text=sources.period_text(),
        context={
            "violations": violations,
            "compliant": compliant,
            "summary": summary,
            "rules": RULES,
            "chart_uri": chart,
        },
    )
