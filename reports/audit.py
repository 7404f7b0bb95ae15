"""Audit extract for one case, card or holder: every action, landscape for its many columns."""

from __future__ import annotations

from engine.policy.timekeeping import to_local
from engine.reporting.audit import AuditExtract
from engine.reporting.audit import resolve_subject
from reports.render import Page
from reports.sources import Sources
from reports.sources import collect


def build(sources: Sources) -> Page:
    t = sources.labels
    request = sources.request
    subject, where = resolve_subject(
        sources.session,
        case_id=request.case_id,
        card=request.card,
        holder=request.holder,
        on=to_local(sources.clock.now()).date(),
    )
    extract = AuditExtract(sources.session, where, request.period, scope=sources.scope)
    detail = collect(sources, extract.rows())
    period_text = sources.period_text() if request.period else t("whole_history")
    return Page(
        template="audit.html",
        title=f"{t('audit_title')}: {t('subject_' + subject.kind).lower()} {subject.key}",
        period_text=period_text,
        context={"subject": subject, "detail": detail, "summary": extract.summary},
        landscape=True,
    )
