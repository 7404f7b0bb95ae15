"""LoA2 dispensation compliance: violations first, then the compliant rows, then the summary."""

from __future__ import annotations

from engine.reporting.compliance import ComplianceRow
from engine.reporting.compliance import Loa2Compliance
from reports.charts import VERDICT_COLOURS
from reports.charts import stacked_bars
from reports.i18n import Labels
from reports.render import Page
from reports.sources import Detail
from reports.sources import Sources
from reports.tables import Cell
from reports.tables import Column
from reports.tables import Table

RULES = ("R11", "R12", "R13", "R14")


def columns(t: Labels) -> list[Column[ComplianceRow]]:
    """One LoA2 issuance or renewal per row, with each rule's verdict beside its facts."""

    def when(row: ComplianceRow) -> Cell:
        v = row.verdict
        closed = f" · {v.closed_day}" if v.closed_day else ""
        return [
            (t.when(row.at), ""),
            (f"{t.weekday(row.at.weekday())}{closed}", "small"),
            (t("kind_" + row.kind), "small"),
        ]

    def card(row: ComplianceRow) -> Cell:
        return [(row.card_number, ""), (row.holder, "small"), (row.organisation, "small")]

    def office_hours(row: ComplianceRow) -> Cell:
        inside = row.verdict.office_hours == "inside"
        return [(t("oh_" + row.verdict.office_hours), "bad" if inside else "")]

    def validity(row: ComplianceRow) -> Cell:
        v = row.verdict
        broken = v.limit.rule in v.violations or "R13" in v.violations
        if v.limit.days:
            limit = t("limit_days", n=v.limit.days)
        else:
            limit = t("limit_months", n=v.limit.months)
        return [
            (t.until(row.valid_until), "bad" if broken else ""),
            (f"{limit} ({v.limit.rule}): {t.until(v.ceiling_until)}", "small"),
        ]

    def national_end(row: ComplianceRow) -> Cell:
        v = row.verdict
        style = "bad" if "R14" in v.violations else ""
        if not style and v.national_end == "past_end_accepted":
            style = "warn"
        return [(t("ne_" + v.national_end), style)]

    def verdict(row: ComplianceRow) -> Cell:
        if not row.verdict.violations:
            return [(t("ok"), "good")]
        return [(f"✗ {t('rule_' + rule)}", "bad") for rule in row.verdict.violations]

    return [
        Column(t("time_local"), 16, when),
        Column(f"{t('card')} / {t('holder')}", 20, card),
        Column(t("office_hours"), 13, office_hours),
        Column(t("validity"), 19, validity),
        Column(t("national_end"), 15, national_end),
        Column(t("verdict"), 17, verdict),
    ]


def build(sources: Sources) -> Page:
    t = sources.labels
    report = Loa2Compliance(
        sources.session, sources.staff, sources.policy, sources.period, scope=sources.scope
    )
    violations: Detail[ComplianceRow] = Detail()
    compliant: Detail[ComplianceRow] = Detail()
    # One streaming pass: violations and compliant rows go to separate tables, so
    # violations print first without sorting the whole period.
    for row in report.rows():
        sources.tick()
        (compliant if row.verdict.compliant else violations).offer(row)
    summary = report.summary
    chart = None
    tables: list[Table[ComplianceRow]] = []
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
        tables.append(
            Table(
                f"{t('violations')} ({t.number(summary.violating)})",
                columns(t),
                violations.rows,
                violations.count,
                title_style="violations",
                empty_text=t("no_violations"),
            )
        )
        if compliant.count:
            tables.append(
                Table(
                    f"{t('compliant_rows')} ({t.number(summary.compliant)})",
                    columns(t),
                    compliant.rows,
                    compliant.count,
                )
            )
    return Page(
        template="compliance.html",
        title=t("compliance_title"),
        period_text=sources.period_text(),
        context={"summary": summary, "rules": RULES, "chart_uri": chart},
        tables=tables,
        has_after=bool(summary.total),
    )
