"""What people read for the engine's internal codes: case, task, timer and card states,
audit actions, rights and the roles the audit trail names; and for the codes of the
registers and models: organisations, card stations, processes and BPMN elements.

The engine stores and the API returns the raw codes ("open", "policy_decision",
"refused:complete"); the pages show `label(code, kind)` in the session's language. Each
label has a message context (the kind), because one English word needs different Swedish
for different things: a case is "Avslutat", a task "Slutförd". A code without a label,
such as an action added to the engine later, shows as it is rather than disappearing.
Templates keep the raw code for CSS classes and `data-*` attributes.

Organisations, stations and processes are named by the registers and the deployed models
(engine.services.names, read once per request); a BPMN element by its `name` in Swedish
and its `name_en` property in English (engine.bpmn_names, docs/process-properties.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from flask import g
from flask import has_request_context
from flask_babel import LazyString
from flask_babel import get_locale
from flask_babel import gettext
from flask_babel import lazy_pgettext

from engine.bpmn_names import ElementName
from engine.policy.timekeeping import format_local
from engine.services.names import DisplayNames
from engine.services.names import display_names
from engine.state_words import case_state_words
from web.context import runtime

_Table = Mapping[str, LazyString]

CASE_STATES: _Table = {
    "open": lazy_pgettext("case state", "Open"),
    "completed": lazy_pgettext("case state", "Completed"),
    "lapsed": lazy_pgettext("case state", "Lapsed (R7)"),
    "expired": lazy_pgettext("case state", "Expired"),
    "cancelled": lazy_pgettext("case state", "Cancelled"),
}

TASK_STATES: _Table = {
    "ready": lazy_pgettext("task state", "Ready"),
    "completed": lazy_pgettext("task state", "Completed"),
    "cancelled": lazy_pgettext("task state", "Cancelled"),
}

TIMER_STATUSES: _Table = {
    "waiting": lazy_pgettext("timer status", "Waiting"),
    "fired": lazy_pgettext("timer status", "Fired"),
    "cancelled": lazy_pgettext("timer status", "Cancelled"),
    "failed": lazy_pgettext("timer status", "Failed"),
}

CARD_STATES: _Table = {
    "in_stock": lazy_pgettext("card state", "In stock"),
    "issued": lazy_pgettext("card state", "Issued"),
    "revoked": lazy_pgettext("card state", "Revoked"),
    "scrapped": lazy_pgettext("card state", "Scrapped"),
    "mailed": lazy_pgettext("card state", "Mailed, not activated"),
}

CERTIFICATE_KINDS: _Table = {
    "issue": lazy_pgettext("certificate kind", "Issue"),
    "renewal": lazy_pgettext("certificate kind", "Renewal"),
}

# Every action engine/services writes with `record(...)`; refusals are "refused:<attempt>".
ACTIONS: _Table = {
    # cases and tasks (engine/services/cases.py, progress.py)
    "start": lazy_pgettext("audit action", "Case started"),
    "complete": lazy_pgettext("audit action", "Task completed"),
    "claim": lazy_pgettext("audit action", "Task claimed"),
    "unclaim": lazy_pgettext("audit action", "Task released"),
    "policy_decision": lazy_pgettext("audit action", "Policy decision"),
    "cycle_started": lazy_pgettext("audit action", "New renewal cycle"),
    "completed": lazy_pgettext("audit action", "Case completed"),
    "lapsed": lazy_pgettext("audit action", "Case lapsed (R7)"),
    "expired": lazy_pgettext("audit action", "Case expired"),
    "cancelled": lazy_pgettext("audit action", "Case cancelled"),
    # migration between process versions (engine/services/migration.py, S5)
    "migrate": lazy_pgettext("audit action", "Cases moved to another version"),
    "migrate_dry_run": lazy_pgettext("audit action", "Migration tried (dry run)"),
    "migrated": lazy_pgettext("audit action", "Moved to another version"),
    "migration_blocked": lazy_pgettext("audit action", "Not moved to another version"),
    # timers (engine/services/timers.py)
    "timer_fired": lazy_pgettext("audit action", "Timer fired"),
    "timer_skipped": lazy_pgettext("audit action", "Timer skipped"),
    "timer_failed": lazy_pgettext("audit action", "Timer failed"),
    # R18 (engine/services/expiry_reminders.py)
    "expiry_reminder": lazy_pgettext("audit action", "Reminder 30 days before expiry (R18)"),
    # e-mail delivery and incidents (delivery.py, incident_actions.py)
    "mail_sent": lazy_pgettext("audit action", "E-mail sent"),
    "mail_failed": lazy_pgettext("audit action", "E-mail delivery failed"),
    "mail_dead": lazy_pgettext("audit action", "E-mail given up"),
    "mail_resent": lazy_pgettext("audit action", "E-mail queued again"),
    "incident_retried": lazy_pgettext("audit action", "Incident retried"),
    # deployment and demo data (deploy.py, demo.py)
    "deploy": lazy_pgettext("audit action", "Deployed"),
    "demo_loaded": lazy_pgettext("audit action", "Demo data loaded"),
    # sign-in (accounts.py)
    "login": lazy_pgettext("audit action", "Signed in"),
    "logout": lazy_pgettext("audit action", "Signed out"),
    "login_failed": lazy_pgettext("audit action", "Sign-in failed"),
    "login_refused_locked": lazy_pgettext("audit action", "Sign-in refused: account locked"),
    "locked_out": lazy_pgettext("audit action", "Account locked"),
    # API tokens (tokens.py)
    "token_issued": lazy_pgettext("audit action", "API token issued"),
    "token_revoked": lazy_pgettext("audit action", "API token revoked"),
    # registers (administration.py)
    "person_created": lazy_pgettext("audit action", "Person added"),
    "person_updated": lazy_pgettext("audit action", "Person changed"),
    "right_granted": lazy_pgettext("audit action", "Right granted"),
    "right_changed": lazy_pgettext("audit action", "Right changed"),
    "station_created": lazy_pgettext("audit action", "Card station added"),
    "station_changed": lazy_pgettext("audit action", "Card station changed"),
    # operator registers (engine/services/registers)
    "stock_received": lazy_pgettext("audit action", "Cards received into stock"),
    "card_scrapped": lazy_pgettext("audit action", "Card scrapped"),
    "employment_added": lazy_pgettext("audit action", "Employment added"),
    "employment_ended": lazy_pgettext("audit action", "Employment ended"),
    "employments_imported": lazy_pgettext("audit action", "Employments imported"),
    "closing_day_added": lazy_pgettext("audit action", "Closing day added"),
    "closing_day_removed": lazy_pgettext("audit action", "Closing day removed"),
    "organisation_setting_changed": lazy_pgettext("audit action", "Organisation setting changed"),
    "shift_added": lazy_pgettext("audit action", "Shift rostered"),
    "shift_removed": lazy_pgettext("audit action", "Shift removed"),
    # revocation (revoke.py, R19)
    "revoke": lazy_pgettext("audit action", "Card revoked"),
    "ended_by_revocation": lazy_pgettext("audit action", "Case ended: card revoked"),
    # employment-end cases kept in step with the directory (employment_end_schedule.py)
    "end_date_moved": lazy_pgettext("audit action", "End date moved by the directory (R19)"),
}

# What was attempted when an action was refused: "refused:complete" reads "Refused: complete".
REFUSED_PREFIX = "refused:"
ATTEMPTS: _Table = {
    "start": lazy_pgettext("refused attempt", "start"),
    "complete": lazy_pgettext("refused attempt", "complete"),
    "claim": lazy_pgettext("refused attempt", "claim"),
    "unclaim": lazy_pgettext("refused attempt", "release"),
    "deploy": lazy_pgettext("refused attempt", "deploy"),
    "cancel": lazy_pgettext("refused attempt", "cancel the case"),
    "migrate": lazy_pgettext("refused attempt", "move cases to another version"),
    "migrate_dry_run": lazy_pgettext("refused attempt", "try a migration"),
    "token_issue": lazy_pgettext("refused attempt", "issue an API token"),
    "token_revoke": lazy_pgettext("refused attempt", "revoke an API token"),
    "authenticate": lazy_pgettext("refused attempt", "sign in with an API token"),
    "incident_retry": lazy_pgettext("refused attempt", "retry an incident"),
    "outbox_resend": lazy_pgettext("refused attempt", "send an e-mail again"),
    "revoke": lazy_pgettext("refused attempt", "revoke a card"),
}

# Administrator rights (engine/rights.py RIGHTS).
RIGHTS: _Table = {
    "id_admin_full": lazy_pgettext("right", "ID administrator, full"),
    "reserve_loa3": lazy_pgettext("right", "Reserve cards LoA3"),
    "reserve_loa2": lazy_pgettext("right", "Reserve cards LoA2"),
    "remote_reserve_admin": lazy_pgettext("right", "Remote reserve-card administrator"),
    "service_desk": lazy_pgettext("right", "Service desk"),
    "process_owner": lazy_pgettext("right", "Process owner"),
    "manager": lazy_pgettext("right", "Manager"),
    "auditor": lazy_pgettext("right", "Auditor"),
    "system_admin": lazy_pgettext("right", "System administrator"),
}

# Roles in the audit trail that are no BPMN lane (those are labelled by engine.rights).
ROLES: _Table = {
    "system": lazy_pgettext("role", "system"),
    "login": lazy_pgettext("role", "sign-in"),
    "case_starter": lazy_pgettext("role", "who started the case"),
}

# The timers of the bundled processes by their BPMN id; another model's timers show by
# their element name (element_label).
TIMER_KINDS: _Table = {
    "deadline": lazy_pgettext("timer kind", "Deadline for the second verification"),
    "reminder": lazy_pgettext("timer kind", "Renewal reminder"),
    "expiry": lazy_pgettext("timer kind", "Certificate expiry"),
    "renewal_expiry": lazy_pgettext("timer kind", "Certificate expiry before renewal"),
    "wait_for_opening": lazy_pgettext("timer kind", "Waiting for the service desk to open (R9)"),
}

# Rule IDs that are no R or S number of the rule book (those read as they are: "R7").
RULES: _Table = {
    "C-IDENTITY": lazy_pgettext("rule", "identity rules: personal number and age"),
}

# R19: why a card was revoked (engine.model.revocations.REVOCATION_REASONS).
REVOCATION_REASONS: _Table = {
    "lost": lazy_pgettext("revocation reason", "Lost"),
    "stolen": lazy_pgettext("revocation reason", "Stolen"),
    "damaged": lazy_pgettext("revocation reason", "Damaged"),
    "name_change": lazy_pgettext("revocation reason", "Name change"),
    "employment_end": lazy_pgettext("revocation reason", "Employment ended"),
}

TABLES: dict[str, _Table] = {
    "case": CASE_STATES,
    "task": TASK_STATES,
    "timer": TIMER_STATUSES,
    "card": CARD_STATES,
    "certificate": CERTIFICATE_KINDS,
    "action": ACTIONS,
    "right": RIGHTS,
    "role": ROLES,
    "timer_kind": TIMER_KINDS,
    "rule": RULES,
    "revocation reason": REVOCATION_REASONS,
}


def label(code: str | None, kind: str) -> str:
    """The label of `code` among the `kind` codes (a key of TABLES), else the code itself."""
    if code is None:
        return ""
    found = TABLES[kind].get(code)
    if found is not None:
        return str(found)
    if kind == "action" and code.startswith(REFUSED_PREFIX):
        attempt = code.removeprefix(REFUSED_PREFIX)
        known = ATTEMPTS.get(attempt)
        return str(gettext("Refused: %(attempt)s", attempt=str(known) if known else attempt))
    return code


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "sv"


def _names() -> DisplayNames:
    """The registers' and models' names, read once per request."""
    if not has_request_context():
        return display_names(runtime())
    found: DisplayNames | None = g.get("sithsflow_names")
    if found is None:
        found = display_names(runtime())
        g.sithsflow_names = found
    return found


def organisation_name(code: str | None) -> str:
    """ "Region Demo" for `region-demo`; an unknown code shows as it is."""
    if not code:
        return ""
    return _names().organisations.get(code, code)


def station_name(code: str | None) -> str:
    """ "Kortstation Halmstad" for `halmstad`; an unknown code shows as it is."""
    if not code:
        return ""
    return _names().stations.get(code, code)


def process_name(process_id: str | None) -> str:
    """The process's name in the session's language, from its active version's model."""
    if not process_id:
        return ""
    found = _names().processes.get(process_id)
    return found.in_language(_language()) if found is not None else process_id


def element_label(names: Mapping[str, ElementName], element_id: str | None) -> str:
    """A BPMN element (a timer, a task, an end) by its name in the session's language."""
    if not element_id:
        return ""
    found = names.get(element_id)
    return found.in_language(_language()) if found is not None and found.sv else element_id


def step_title(task_name: str | None) -> str:
    """A step named outside its case (the card's history): its form's title in any
    deployed process, else the name as recorded."""
    if not task_name:
        return ""
    for process in _names().processes:
        form = runtime().forms.get(process, task_name)
        if form is not None:
            return form.title(_language())
    return task_name


def timer_name(names: Mapping[str, ElementName], timer: str) -> str:
    """A timer by its kind where the catalogue knows it, else by its element's name."""
    known = TIMER_KINDS.get(timer)
    return str(known) if known is not None else element_label(names, timer)


# Audit notes written before the engine named states in words (the audit trail is never
# rewritten): "Ärendet är lapsed / The case is lapsed", "Timer deadline (förfallen …)".
_OLD_STATE_NOTE = re.compile(r"^Ärendet är (\w+) / The case is \1$")
_OLD_TIMER_NOTE = re.compile(r"^Timer [\w-]+ \(förfallen (\S+)\)$")


def legacy_note(message: str) -> str:
    """An old audit note in today's bilingual wording; any other message as it is."""
    found = _OLD_STATE_NOTE.match(message)
    if found:
        sv, en = case_state_words(found.group(1))
        return f"Ärendet är {sv}. / The case is {en}."
    found = _OLD_TIMER_NOTE.match(message)
    if found:
        try:
            when = format_local(datetime.fromisoformat(found.group(1)))
        except ValueError:
            return message
        return f"Tidpunkt: {when} / Due: {when}"
    return message
