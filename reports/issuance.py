"""Issuance register: the rows, the monthly totals table and the chart."""

from __future__ import annotations

from engine.reporting.issuance import SERIES
from engine.reporting.issuance import IssuanceRegister
from reports.charts import stacked_bars
from reports.render import Page
from reports.sources import Sources
from reports.sources import collect


def build(sources: Sources) -> Page:
    t = sources.labels
    register = IssuanceRegister(sources.session, sources.staff, sources.period, scope=sources.scope)
    detail = collect(sources, register.rows())
    totals = register.totals
    series_names = [t(f"loa{loa}_{kind}") for loa, kind in SERIES]
    months = totals.months
    chart = None
    if months:
        chart = stacked_bars(
            t("chart_issuance"),
            [t.month(m) for m in months],
            [
                (name, [totals.count(m, loa, kind) for m in months])
                for name, (loa, kind) in zip(series_names, SERIES, strict=True)
            ],
        )
    return Page(
        template="issuance.html",
        title=t("issuance_title"),
        period_text=sources.period_text(),
        context={
            "detail": detail,
            "totals": totals,
            "series": list(zip(series_names, SERIES, strict=True)),
            "chart_uri": chart,
        },
    )
