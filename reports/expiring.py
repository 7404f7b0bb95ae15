"""Expiring certificates: the window, each certificate's renewal state and who must act."""

from __future__ import annotations

from datetime import datetime

from engine.policy.timekeeping import add_local_days
from engine.reporting.expiring import ExpiringCertificates
from engine.reporting.expiring import ExpiringRow
from reports.i18n import Labels
from reports.render import Page
from reports.request import DEFAULT_EXPIRING_DAYS
from reports.sources import Sources
from reports.sources import collect
from reports.tables import Cell
from reports.tables import Column
from reports.tables import Table


def columns(t: Labels) -> list[Column[ExpiringRow]]:
    """One expiring certificate per row, with who must act on it."""

    def card(row: ExpiringRow) -> Cell:
        case = f" · {t('case')} #{row.case_id}" if row.case_id else ""
        return [(row.card_number, ""), (f"LoA{row.loa}{case}", "small")]

    def acts(row: ExpiringRow) -> Cell:
        return [(t("role_" + row.actor_role), ""), (", ".join(row.actors) or "–", "small")]

    return [
        Column(t("valid_until"), 15, lambda row: [(t.until(row.valid_until), "")]),
        Column(
            t("days_left"),
            8,
            lambda row: [(t.decimal(row.days_left), "bad" if row.days_left < 0 else "")],
            right=True,
        ),
        Column(t("card"), 15, card),
        Column(t("holder"), 20, lambda row: [(row.holder, ""), (row.organisation, "small")]),
        Column(
            t("renewal_state"),
            25,
            lambda row: [(t("st_" + row.state), "warn" if row.state == "new_loa3_card" else "")],
        ),
        Column(t("who_acts"), 17, acts),
    ]


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
        context={"summary": report.summary},
        tables=[Table(t("expiring_title"), columns(t), detail.rows, detail.count)]
        if detail.count
        else [],
    )
