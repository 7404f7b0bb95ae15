"""Revocation register (R19) as a section of the issuance report: figures and every row."""

from __future__ import annotations

from engine.reporting.revocations import RevocationRegister
from engine.reporting.revocations import RevocationRow
from engine.reporting.revocations import RevocationTotals
from reports.i18n import Labels
from reports.sources import Detail
from reports.sources import Sources
from reports.sources import collect
from reports.tables import Cell
from reports.tables import Column
from reports.tables import Table


def columns(t: Labels) -> list[Column[RevocationRow]]:
    """One revoked card per row."""

    def card(row: RevocationRow) -> Cell:
        return [(row.card_number, ""), (f"LoA{row.loa}" if row.loa else "–", "small")]

    def by(row: RevocationRow) -> Cell:
        return [(row.revoked_by, ""), (t("via_" + row.via), "small")]

    def ended(row: RevocationRow) -> Cell:
        add_ons = ", ".join(t("add_on_" + a) for a in row.add_ons_to_end) or "–"
        cases = ", ".join(f"#{c}" for c in row.ended_cases)
        lines = [(add_ons, "")]
        if cases:
            lines.append((f"{t('ended_cases')}: {cases}", "small"))
        return lines

    return [
        Column(t("time_local"), 15, lambda row: [(t.when(row.at), "")]),
        Column(t("card"), 12, card),
        Column(t("holder"), 20, lambda row: [(row.holder, ""), (row.organisation, "small")]),
        Column(t("reason"), 16, lambda row: [(t("reason_" + row.reason), "")]),
        Column(t("revoked_by"), 20, by),
        Column(t("add_ons"), 17, ended),
    ]


def section(
    sources: Sources,
) -> tuple[Detail[RevocationRow], RevocationTotals, Table[RevocationRow] | None]:
    """The register's rows in the report's period and scope (S2), counted as they pass."""
    t = sources.labels
    register = RevocationRegister(
        sources.session, sources.staff, sources.period, scope=sources.scope
    )
    detail = collect(sources, register.rows())
    table = (
        Table(t("revocations_title"), columns(t), detail.rows, detail.count)
        if detail.count
        else None
    )
    return detail, register.totals, table
