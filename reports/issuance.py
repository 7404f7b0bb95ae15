"""Issuance register: the rows, the monthly totals table and the chart."""

from __future__ import annotations

from typing import Any

from engine.reporting.issuance import SERIES
from engine.reporting.issuance import IssuanceRegister
from engine.reporting.issuance import IssuanceRow
from reports import revocations
from reports.charts import stacked_bars
from reports.i18n import Labels
from reports.render import Page
from reports.sources import Sources
from reports.sources import collect
from reports.tables import Cell
from reports.tables import Column
from reports.tables import Table


def columns(t: Labels) -> list[Column[IssuanceRow]]:
    """The register's columns, as the printed table shows them."""

    def process(row: IssuanceRow) -> Cell:
        lines = [(f"LoA{row.loa}", "")]
        if row.process:
            case = f" #{row.case_id}" if row.case_id else ""
            lines.append((f"{row.process}{case}", "small"))
        return lines

    def where(row: IssuanceRow) -> Cell:
        if row.by_service_desk:
            return [(t("service_desk"), "")]
        lines = [(row.station or "–", "")]
        if row.second_station:
            lines.append((f"+ {row.second_station}", "small"))
        return lines

    def admins(row: IssuanceRow) -> Cell:
        if row.first_admin:
            return [
                (f"{t('first_admin')}: {row.first_admin}", ""),
                (f"{t('second_admin')}: {row.issued_by}", "small"),
            ]
        return [(row.issued_by, "")]

    def valid(row: IssuanceRow) -> Cell:
        lines = [(t.until(row.valid_until), "")]
        if not row.valid_for_national_systems:
            lines.append((t("not_national"), "small_warn"))
        return lines

    return [
        Column(t("time_local"), 15, lambda row: [(t.when(row.at), "")]),
        Column(t("kind"), 12, lambda row: [(t("kind_" + row.kind), "")]),
        Column(t("process_loa"), 8, process),
        Column(t("card"), 10, lambda row: [(row.card_number, "")]),
        Column(t("holder"), 12, lambda row: [(row.holder, "")]),
        Column(t("where"), 14, where),
        Column(t("admins"), 16, admins),
        Column(t("valid_until"), 13, valid),
    ]


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
    # R19: the revocation register is a section of the issuance report.
    _, revoked, revocation_table = revocations.section(sources)
    tables: list[Table[Any]] = []
    if detail.count:
        tables.append(Table(t("issuance_title"), columns(t), detail.rows, detail.count))
    if revocation_table is not None:
        tables.append(revocation_table)
    return Page(
        template="issuance.html",
        title=t("issuance_title"),
        period_text=sources.period_text(),
        context={
            "detail": detail,
            "totals": totals,
            "series": list(zip(series_names, SERIES, strict=True)),
            "chart_uri": chart,
            "revoked": revoked,
        },
        tables=tables,
    )
