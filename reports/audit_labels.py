"""What the audit extract prints for the engine's codes: actions, refused attempts, roles.

The same words as the web pages (web/labels.py and its Swedish catalogue), kept here as
(Swedish, English) pairs because a report is also printed from the CLI, without Flask. A
code without a label prints as it is rather than disappearing.
"""

from __future__ import annotations

from engine.rights import ROLE_LABELS

# Every action engine/services writes with `record(...)`.
ACTIONS: dict[str, tuple[str, str]] = {
    "start": ("Ärendet startat", "Case started"),
    "complete": ("Uppgiften slutförd", "Task completed"),
    "claim": ("Uppgiften tagen", "Task claimed"),
    "unclaim": ("Uppgiften släppt", "Task released"),
    "policy_decision": ("Regelbeslut", "Policy decision"),
    "cycle_started": ("Ny förlängningscykel", "New renewal cycle"),
    "completed": ("Ärendet avslutat", "Case completed"),
    "lapsed": ("Ärendet förföll (R7)", "Case lapsed (R7)"),
    "expired": ("Ärendet gick ut", "Case expired"),
    "cancelled": ("Ärendet avbröts", "Case cancelled"),
    "migrate": ("Ärenden flyttade till en annan version", "Cases moved to another version"),
    "migrate_dry_run": ("Flytt provkörd", "Migration tried (dry run)"),
    "migrated": ("Flyttat till en annan version", "Moved to another version"),
    "migration_blocked": ("Inte flyttat till en annan version", "Not moved to another version"),
    "timer_fired": ("Timer utlöst", "Timer fired"),
    "timer_skipped": ("Timer hoppades över", "Timer skipped"),
    "timer_failed": ("Timer misslyckades", "Timer failed"),
    "deploy": ("Driftsatt", "Deployed"),
    "demo_loaded": ("Demodata inlästa", "Demo data loaded"),
    "login": ("Inloggad", "Signed in"),
    "logout": ("Utloggad", "Signed out"),
    "login_failed": ("Misslyckad inloggning", "Sign-in failed"),
    "login_refused_locked": ("Inloggning nekad: kontot är låst", "Sign-in refused: account locked"),
    "locked_out": ("Kontot låst", "Account locked"),
    "token_issued": ("API-nyckel skapad", "API token issued"),
    "token_revoked": ("API-nyckel återkallad", "API token revoked"),
    "person_created": ("Person tillagd", "Person added"),
    "person_updated": ("Person ändrad", "Person changed"),
    "right_granted": ("Behörighet beviljad", "Right granted"),
    "right_changed": ("Behörighet ändrad", "Right changed"),
    "station_created": ("Kortstation tillagd", "Card station added"),
    "station_changed": ("Kortstation ändrad", "Card station changed"),
    # operator registers (engine/services/registers)
    "stock_received": ("Kort mottagna i lager", "Cards received into stock"),
    "card_scrapped": ("Kort kasserat", "Card scrapped"),
    "employment_added": ("Anställning registrerad", "Employment added"),
    "employment_ended": ("Anställning avslutad", "Employment ended"),
    "employments_imported": ("Anställningar importerade", "Employments imported"),
    "end_date_moved": (
        "Slutdatum flyttat av katalogen (R19)",
        "End date moved by the directory (R19)",
    ),
    "closing_day_added": ("Stängd dag tillagd", "Closing day added"),
    "closing_day_removed": ("Stängd dag borttagen", "Closing day removed"),
    "organisation_setting_changed": (
        "Organisationsinställning ändrad",
        "Organisation setting changed",
    ),
    "shift_added": ("Pass schemalagt", "Shift rostered"),
    "shift_removed": ("Pass borttaget", "Shift removed"),
    "mail_sent": ("E-post skickad", "E-mail sent"),
    "mail_failed": ("E-postutskick misslyckades", "E-mail delivery failed"),
    "mail_dead": ("E-postutskick gavs upp", "E-mail given up"),
    "mail_resent": ("E-post köad igen", "E-mail queued again"),
    "incident_retried": ("Incident omförsökt", "Incident retried"),
    "expiry_reminder": (
        "Påminnelse 30 dagar före utgång (R18)",
        "Reminder 30 days before expiry (R18)",
    ),
    # R19 (engine.services.revoke)
    "revoke": ("Kort spärrat", "Card revoked"),
    "ended_by_revocation": ("Ärendet avslutat: kortet spärrat", "Case ended: card revoked"),
}

# What was attempted when an action was refused ("refused:complete").
ATTEMPTS: dict[str, tuple[str, str]] = {
    "start": ("starta", "start"),
    "complete": ("slutföra", "complete"),
    "claim": ("ta uppgiften", "claim"),
    "unclaim": ("släppa uppgiften", "release"),
    "deploy": ("driftsätta", "deploy"),
    "cancel": ("avbryta ärendet", "cancel the case"),
    "migrate": ("flytta ärenden till en annan version", "move cases to another version"),
    "migrate_dry_run": ("provköra en flytt", "try a migration"),
    "token_issue": ("skapa API-nyckel", "issue an API token"),
    "token_revoke": ("återkalla API-nyckel", "revoke an API token"),
    "authenticate": ("logga in med API-nyckel", "sign in with an API token"),
    "incident_retry": ("försöka om en incident", "retry an incident"),
    "outbox_resend": ("skicka e-post igen", "send an e-mail again"),
    "revoke": ("spärra ett kort", "revoke a card"),
}

# Roles in the audit trail that are no BPMN lane (those are in engine.rights).
ROLES: dict[str, tuple[str, str]] = {
    "system": ("systemet", "system"),
    "login": ("inloggning", "sign-in"),
    "case_starter": ("den som startade ärendet", "who started the case"),
}

# A case's and a card's state, as the subject lines print them.
CASE_STATES: dict[str, tuple[str, str]] = {
    "open": ("Öppet", "Open"),
    "completed": ("Avslutat", "Completed"),
    "lapsed": ("Förfallet (R7)", "Lapsed (R7)"),
    "expired": ("Utgånget", "Expired"),
    "cancelled": ("Avbrutet", "Cancelled"),
}

CARD_STATES: dict[str, tuple[str, str]] = {
    "in_stock": ("I lager", "In stock"),
    "issued": ("Utlämnat", "Issued"),
    "revoked": ("Spärrat", "Revoked"),
    "mailed": ("Skickat, ej aktiverat", "Mailed, not activated"),
    "scrapped": ("Kasserat", "Scrapped"),
}

REFUSED_PREFIX = "refused:"
REFUSED = ("Nekad: {attempt}", "Refused: {attempt}")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def action_label(code: str, lang: str) -> str:
    """ "Uppgiften slutförd" for "complete"; "Nekad: slutföra" for "refused:complete"."""
    if code in ACTIONS:
        return _pick(ACTIONS[code], lang)
    if code.startswith(REFUSED_PREFIX):
        attempt = code.removeprefix(REFUSED_PREFIX)
        known = ATTEMPTS.get(attempt)
        return _pick(REFUSED, lang).format(attempt=_pick(known, lang) if known else attempt)
    return code


def role_label(code: str | None, lang: str) -> str:
    """A lane's or the trail's role in words; "–" when the row has none."""
    if not code:
        return "–"
    if code in ROLE_LABELS:
        return _pick(ROLE_LABELS[code], lang)
    if code in ROLES:
        return _pick(ROLES[code], lang)
    return code


def one_language(message: str, lang: str) -> str:
    """The report's half of an engine message "Svensk mening. / English sentence."."""
    swedish, separator, english = message.partition(" / ")
    if not separator:
        return message
    return english.strip() if lang == "en" else swedish.strip()


def state_label(kind: str, code: str, lang: str) -> str:
    """A case's (`kind` "case") or card's ("card") state in words."""
    table = CASE_STATES if kind == "case" else CARD_STATES
    return _pick(table[code], lang) if code in table else code
