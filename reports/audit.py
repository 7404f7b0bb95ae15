"""Audit extract for one case, card or holder: every action, landscape for its many columns.

Printed in the report's language only: actions, roles, states and the task's name in
words, the engine's two-language messages cut to one half, and what each step's form held
(labelled by the form of the case's own process version), so that both LoA3
administrators' identity documents appear (issue 11).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.forms import Form
from engine.forms import FormRegistry
from engine.model import ProcessVersion
from engine.policy.timekeeping import to_local
from engine.reporting.audit import AuditExtract
from engine.reporting.audit import AuditRow
from engine.reporting.audit import resolve_subject
from reports.audit_labels import action_label
from reports.audit_labels import one_language
from reports.audit_labels import role_label
from reports.audit_labels import state_label
from reports.i18n import Labels
from reports.render import Page
from reports.sources import Sources
from reports.sources import collect
from reports.tables import Cell
from reports.tables import Column
from reports.tables import Table


class FormWords:
    """Task names and field labels from each process version's own forms, in one language."""

    def __init__(self, session: Session, lang: str) -> None:
        self._lang = lang
        self._registry = FormRegistry({})
        self._versions = {v.label: v for v in session.scalars(select(ProcessVersion))}

    def form(self, process_version: str | None, task: str | None) -> Form | None:
        version = self._versions.get(process_version or "")
        if version is None or not task:
            return None
        return self._registry.get(version.process_id, task, version=version)

    def process(self, label: str) -> str:
        """The process as its start form names it, with its version: "… (loa3-reserve@1)"."""
        start = self.form(label, "start")
        return f"{start.title(self._lang)} ({label})" if start else label

    def task(self, row: AuditRow) -> str | None:
        form = self.form(row.process_version, row.task)
        return form.title(self._lang) if form else row.task

    def fields(self, row: AuditRow) -> list[str]:
        """ "Identitetshandling: Pass" for each entered field, labelled by its form."""
        form = self.form(row.process_version, row.task)
        lines = []
        for key, value in row.fields:
            label, shown = key, value
            if form is not None and key in form.field_names():
                label = form.label(key, self._lang)
                shown = form.enum_labels(key, self._lang).get(value, value)
            lines.append(f"{label}: {shown}")
        return lines


def columns(t: Labels, words: FormWords) -> list[Column[AuditRow]]:
    lang = t.lang

    def when(row: AuditRow) -> Cell:
        lines = [
            (row.at_local[:19].replace("T", " "), ""),
            (f"{row.at_utc.strftime('%Y-%m-%d %H:%M:%S')} UTC", "small"),
        ]
        if row.clock_source != "system":
            lines.append((t("clock_set"), "small_warn"))
        return lines

    def actor(row: AuditRow) -> Cell:
        return [(row.actor, ""), (role_label(row.role, lang), "small")]

    def action(row: AuditRow) -> Cell:
        refused = row.action.startswith("refused:")
        lines = [(action_label(row.action, lang), "bad" if refused else "")]
        task = words.task(row)
        if task:
            lines.append((task, "small"))
        return lines

    def where(row: AuditRow) -> Cell:
        case = f"#{row.case_id}" if row.case_id else "–"
        return [(case, ""), (row.card_number or "–", "small")]

    def message(row: AuditRow) -> Cell:
        text = one_language(row.message, lang)
        lines = [(f"{row.rule} {text}".strip() if row.rule else text or "–", "")]
        lines.extend((line, "small") for line in words.fields(row))
        return lines

    def versions(row: AuditRow) -> Cell:
        return [
            (row.process_version or "–", "small"),
            (row.policy_version or "–", "small"),
            (row.calendar_version or "–", "small"),
        ]

    return [
        Column(f"{t('time_local')} / UTC", 13, when),
        Column(t("actor_role"), 11, actor),
        Column(t("action"), 13, action),
        Column(f"{t('case')} / {t('card')}", 8, where),
        Column(t("rule_message"), 29, message),
        Column(t("versions"), 16, versions),
        Column(t("dispensation"), 10, lambda row: [(row.dispensation or "–", "")]),
    ]


def describe(
    subject_description: tuple[tuple[str, str], ...], t: Labels, words: FormWords
) -> list[tuple[str, str]]:
    """The subject's lines with their values in words (states, the process)."""
    lines = []
    for key, value in subject_description:
        if key == "process":
            lines.append((t("process"), words.process(value)))
        elif key in ("case_state", "card_state"):
            lines.append((t("state"), state_label(key.removesuffix("_state"), value, t.lang)))
        else:
            lines.append((t(key), value))
    return lines


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
    words = FormWords(sources.session, t.lang)
    extract = AuditExtract(sources.session, where, request.period, scope=sources.scope)
    detail = collect(sources, extract.rows())
    period_text = sources.period_text() if request.period else t("whole_history")
    return Page(
        template="audit.html",
        title=f"{t('audit_title')}: {t('subject_' + subject.kind).lower()} {subject.key}",
        period_text=period_text,
        context={
            "subject": subject,
            "description": describe(subject.description, t, words),
            "summary": extract.summary,
        },
        landscape=True,
        tables=[Table(t("events"), columns(t, words), detail.rows, detail.count)]
        if detail.count
        else [],
    )
