"""Card-station staffing (R8): the weekday table and the blocked days of the period."""

from __future__ import annotations

from engine.reporting.staffing import StaffingReport
from reports.render import Page
from reports.sources import Sources
from reports.sources import collect


def build(sources: Sources) -> Page:
    t = sources.labels
    period = sources.period
    report = StaffingReport(
        sources.session, sources.staff, sources.policy.calendar, period, scope=sources.scope
    )
    weekdays = report.weekday_table(period.first_day)
    blocked = collect(sources, report.blocked_days())
    open_days = sum(
        1
        for day in period.days()
        if any(sd.is_open and sd.admins for sd in report.station_days(day))
    )
    return Page(
        template="staffing.html",
        title=t("staffing_title"),
        period_text=sources.period_text(),
        context={
            "weekdays": weekdays,
            "blocked": blocked,
            "blocked_total": blocked.count,
            "open_days": open_days,
            "rosters": report.roster_rows(sources.session),
            "rights_day": period.first_day.isoformat(),
            # R7: from the newest loa3-reserve version's timer, as the report's texts say it.
            "deadline_days": report.deadline_days if report.deadline_days is not None else "–",
        },
    )
