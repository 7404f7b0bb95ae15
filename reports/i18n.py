"""Report labels in Swedish (the default) and English, and how numbers and times are written.

One small dict per language; a missing English label falls back to the Swedish one so that
a report never prints a key. Swedish writes 12 345 and 4,5; English 12,345 and 4.5.
"""

from __future__ import annotations

from datetime import datetime
from datetime import time
from datetime import timedelta

from engine.policy.timekeeping import WEEKDAY_NAMES_EN
from engine.policy.timekeeping import WEEKDAY_NAMES_SV
from engine.policy.timekeeping import to_local

LANGUAGES = ("sv", "en")

SV: dict[str, str] = {
    "page": "sida",
    "of": "av",
    "period": "Period",
    "generated": "Skapad",
    "policy": "Policy",
    "calendar": "Kalender",
    "organisation": "Organisation",
    "progress_rows": "… {n} rader lästa",
    "progress_render": "Skriver PDF efter {n} lästa rader …",
    "total": "Totalt",
    "none": "–",
    "yes": "ja",
    "no": "nej",
    "month": "Månad",
    "summary": "Sammanfattning",
    "time_local": "Tid (lokal)",
    "card": "Kort",
    "holder": "Innehavare",
    "kind": "Typ",
    "kind_issue": "Utfärdande",
    "kind_renewal": "Förlängning",
    "case": "Ärende",
    "valid_until": "Giltig till",
    "not_national": "ej NLL/Pascal/NPÖ",
    "service_desk": "TjänsteID/Servicecenter",
    # issuance
    "issuance_title": "Register över utfärdade reservkort",
    "issuance_intro": "Varje reservkort som utfärdats och varje certifikat som förlängts under "
    "perioden, med process, tillitsnivå, kortstation eller servicecenter och båda "
    "ID-administratörerna för LoA3 (R6).",
    "issuance_empty": "Inga reservkort utfärdades och inga certifikat förlängdes under perioden.",
    "process_loa": "LoA",
    "where": "Plats",
    "admins": "ID-administratörer",
    "first_admin": "1:a",
    "second_admin": "2:a",
    "per_month": "Per månad",
    "chart_issuance": "Utfärdanden och förlängningar per månad",
    "loa2_issue": "LoA2 utfärdande",
    "loa2_renewal": "LoA2 förlängning",
    "loa3_issue": "LoA3 utfärdande",
    "loa3_renewal": "LoA3 förlängning",
    # compliance
    "compliance_title": "Efterlevnad av LoA2-dispensen",
    "compliance_intro": "Varje utfärdande och förlängning på LoA2, bedömt efter de regler som "
    "gällde vid händelsens tid: kontorstid (R12, från 2025-12-01), giltighetstid (R11), "
    "inget certifikat utfärdat före 2025-12-01 får gälla efter det (R13), och LoA2 efter "
    "2026-06-30 bara där organisationen godtar det (R14). Överträdelser först.",
    "compliance_empty": "Inga LoA2-certifikat utfärdades eller förlängdes under perioden. "
    "Det finns inget att bedöma.",
    "violations": "Överträdelser",
    "no_violations": "Inga överträdelser under perioden.",
    "compliant_rows": "Enligt reglerna",
    "verdict": "Bedömning",
    "office_hours": "Kontorstid (R12)",
    "oh_before_r12": "före 2025-12-01, fritt",
    "oh_outside": "utanför kontorstid",
    "oh_inside": "INOM kontorstid",
    "validity": "Giltighet mot gräns",
    "limit_days": "högst {n} dagar",
    "limit_months": "högst {n} mån",
    "max": "max",
    "national_end": "Efter 2026-06-30 (R14)",
    "ne_ends_by_national_end": "slutar senast 2026-06-30",
    "ne_past_end_accepted": "godtas av org.; ej NLL/Pascal/NPÖ",
    "ne_past_end_not_accepted": "org. godtar inte LoA2 efter 2026-06-30",
    "ne_past_end_unmarked": "saknar märkning ej NLL/Pascal/NPÖ",
    "ok": "✓ enligt reglerna",
    "rule_R11": "giltighetstid över gränsen (R11)",
    "rule_R12": "utfärdat inom kontorstid (R12)",
    "rule_R13": "gäller efter 2025-12-01 (R13)",
    "rule_R14": "gäller efter 2026-06-30 (R14)",
    "judged_total": "Bedömda",
    "compliant": "Enligt reglerna",
    "violating": "Med överträdelse",
    "chart_compliance": "LoA2 per månad: enligt reglerna och med överträdelse",
    "by_rule": "Överträdelser per regel",
    "past_end": "Gäller efter 2026-06-30",
    # deadlines
    "deadlines_title": "Tidsfrister för LoA3-reservkort",
    "deadlines_intro": "LoA3-ärenden som startade under perioden: tiden mellan första och andra "
    "identitetsverifieringen, som ska ske inom ärendets tidsfrist ({days} dagar enligt dess "
    "processversion, R7), och förfallna ärenden. Median "
    "och 95:e percentil per kortstation (stationen där första ID-administratören har sin "
    "behörighet).",
    "deadlines_empty": "Inga LoA3-ärenden startade under perioden.",
    "first_verification": "1:a verifiering",
    "second_verification": "2:a verifiering",
    "deadline": "Tidsfrist (R7)",
    "waited": "Väntetid",
    "outcome": "Utfall",
    "out_completed": "utfärdat",
    "out_lapsed": "FÖRFALLET (R7)",
    "out_overdue": "frist passerad, ej förfallet ännu",
    "out_waiting": "väntar",
    "out_other": "avbrutet",
    "station": "Kortstation",
    "cases": "Ärenden",
    "completed": "Utfärdade",
    "lapsed": "Förfallna",
    "median": "Median",
    "p95": "95:e percentil",
    "hours_unit": "h",
    "days_bucket": "{a}–{b} dygn",
    "chart_deadlines": "Väntetid till andra verifieringen (utfärdade ärenden)",
    # expiring
    "expiring_title": "Certifikat som går ut",
    "expiring_intro": "Det senaste certifikatet på varje utfärdat reservkort som går ut i "
    "fönstret, med förlängningsläge och vem som ska agera.",
    "expiring_empty": "Inga certifikat går ut i fönstret.",
    "days_left": "Dagar kvar",
    "renewal_state": "Förlängning",
    "who_acts": "Vem agerar",
    "st_awaiting_request": "distansadministratören ska begära förlängning (R15)",
    "st_awaiting_renewal": "förlängning begärd; servicecenter ska förlänga (R15)",
    "st_loa3_renewal_form": "förlängs via formulär till servicecenter (R9)",
    "st_new_loa3_card": "kan inte förlängas efter 2026-06-30: nytt LoA3-reservkort (R4, R14)",
    "st_no_open_case": "inget öppet förlängningsärende; distansadministratören beställer nytt",
    "role_remote_admin": "distansadministratör",
    "role_service_desk": "servicecenter",
    "role_loa3_admin": "ID-administratör LoA3",
    "window": "Fönster",
    # staffing
    "staffing_title": "Bemanning av kortstationer (R8)",
    "staffing_intro": "ID-administratörer med LoA3-behörighet per kortstation och veckodag mot "
    "öppettiderna, och de dagar då en sökande som träffar en första administratör inte kan "
    "träffa en annan inom {days} dagar (R6, R7). Stationerna är stängda på helgdagar, "
    "midsommarafton, julafton och nyårsafton.",
    "weekday": "Veckodag",
    "hours": "Öppet",
    "closed": "stängt",
    "loa3_admins": "LoA3-administratörer",
    "rights_on": "Behörigheter per {day}.",
    "blocked_days": "Dagar utan möjlig andra verifiering",
    "blocked_none": "Under perioden kan en sökande som börjar en öppen dag alltid träffa en "
    "annan LoA3-administratör inom {days} dagar.",
    "day": "Dag",
    "first_possible": "Första möjlig hos",
    "reachable": "Nåbara inom {days} dagar",
    "holidays_in_window": "Helgdagar i fönstret",
    "open_days": "Dagar med öppen LoA3-station",
    "blocked_count": "Dagar utan andra verifiering",
    # audit
    "audit_title": "Granskningsutdrag",
    "audit_intro": "Varje registrerad åtgärd med aktör, roll, tid (lokal och UTC), versioner "
    "och dispens.",
    "audit_empty": "Inga registrerade händelser för urvalet.",
    "subject_case": "Ärende",
    "subject_card": "Kort",
    "subject_holder": "Innehavare",
    "process": "Process",
    "state": "Status",
    "loa": "LoA",
    "actor_role": "Aktör / roll",
    "action": "Åtgärd",
    "rule_message": "Regel / meddelande",
    "versions": "Versioner",
    "dispensation": "Dispens",
    "clock_set": "klockan satt",
    "refusals": "Nekanden",
    "events": "Händelser",
    "whole_history": "hela historiken",
    # --- registers: admin rosters in the staffing report ---
    "rosters": "Schemalagda ID-administratörer",
    "rosters_none": "Inga pass är schemalagda under perioden.",
    "roster_admin": "Administratör",
    "roster_shifts": "Pass",
    "roster_hours": "Timmar",
    # --- revoke: the revocation register (R19) ---
    "revocations_title": "Spärrade kort",
    "revocations_intro": "Varje kort som spärrades under perioden (R19): skäl, kanal, vem som "
    "spärrade, tilläggstjänster som ska avslutas och ärenden som avslutades med kortet.",
    "revocations_empty": "Inga kort spärrades under perioden.",
    "reason": "Skäl",
    "via": "Kanal",
    "revoked_by": "Spärrat av",
    "add_ons": "Tillägg som avslutas",
    "ended_cases": "Avslutade ärenden",
    "reason_lost": "förlorat",
    "reason_stolen": "stulet",
    "reason_damaged": "skadat",
    "reason_name_change": "namnbyte",
    "reason_employment_end": "anställningen upphörde",
    "reason_not_activated": "ej aktiverat inom 100 dagar (R16)",
    "via_service_desk": "servicecenter",
    "via_national_support_line": "nationella supportlinjen (registrerat i efterhand)",
    "via_employment_end": "processen vid anställningens slut",
    "via_not_activated_100_days": "processen efter 100 dagar (R16)",
    "add_on_door_access": "dörråtkomst",
}

EN: dict[str, str] = {
    "page": "page",
    "of": "of",
    "period": "Period",
    "generated": "Generated",
    "policy": "Policy",
    "calendar": "Calendar",
    "organisation": "Organisation",
    "progress_rows": "… {n} rows read",
    "progress_render": "Rendering the PDF after {n} rows read …",
    "total": "Total",
    "yes": "yes",
    "no": "no",
    "month": "Month",
    "summary": "Summary",
    "time_local": "Time (local)",
    "card": "Card",
    "holder": "Holder",
    "kind": "Kind",
    "kind_issue": "Issue",
    "kind_renewal": "Renewal",
    "case": "Case",
    "valid_until": "Valid until",
    "not_national": "not NLL/Pascal/NPÖ",
    "service_desk": "Service desk",
    "issuance_title": "Register of issued reserve cards",
    "issuance_intro": "Every reserve card issued and every certificate renewed in the period, "
    "by process, level of assurance, card station or service desk, with both ID "
    "administrators for LoA3 (R6).",
    "issuance_empty": "No reserve card was issued and no certificate renewed in the period.",
    "where": "Place",
    "admins": "ID administrators",
    "first_admin": "1st",
    "second_admin": "2nd",
    "per_month": "Per month",
    "chart_issuance": "Issues and renewals per month",
    "loa2_issue": "LoA2 issue",
    "loa2_renewal": "LoA2 renewal",
    "loa3_issue": "LoA3 issue",
    "loa3_renewal": "LoA3 renewal",
    "compliance_title": "LoA2 dispensation compliance",
    "compliance_intro": "Every LoA2 issue and renewal, judged by the rules in force at its "
    "time: office hours (R12, from 2025-12-01), validity (R11), no certificate issued before "
    "2025-12-01 running past it (R13), and LoA2 after 2026-06-30 only where the organisation "
    "accepts it (R14). Violations first.",
    "compliance_empty": "No LoA2 certificate was issued or renewed in the period. There is "
    "nothing to judge.",
    "violations": "Violations",
    "no_violations": "No violations in the period.",
    "compliant_rows": "Within the rules",
    "verdict": "Verdict",
    "office_hours": "Office hours (R12)",
    "oh_before_r12": "before 2025-12-01, any time",
    "oh_outside": "outside office hours",
    "oh_inside": "IN office hours",
    "validity": "Validity vs limit",
    "limit_days": "at most {n} days",
    "limit_months": "at most {n} months",
    "national_end": "After 2026-06-30 (R14)",
    "ne_ends_by_national_end": "ends by 2026-06-30",
    "ne_past_end_accepted": "accepted by org.; not NLL/Pascal/NPÖ",
    "ne_past_end_not_accepted": "org. does not accept LoA2 after 2026-06-30",
    "ne_past_end_unmarked": "lacks the not-NLL/Pascal/NPÖ marking",
    "ok": "✓ within the rules",
    "rule_R11": "validity over the limit (R11)",
    "rule_R12": "issued in office hours (R12)",
    "rule_R13": "runs past 2025-12-01 (R13)",
    "rule_R14": "runs past 2026-06-30 (R14)",
    "judged_total": "Judged",
    "compliant": "Within the rules",
    "violating": "With a violation",
    "chart_compliance": "LoA2 per month: within the rules and with a violation",
    "by_rule": "Violations per rule",
    "past_end": "Valid after 2026-06-30",
    "deadlines_title": "Deadlines for LoA3 reserve cards",
    "deadlines_intro": "LoA3 cases started in the period: the time between the first and the "
    "second identity verification, due within the case's deadline ({days} days by its process "
    "version, R7), and lapsed cases. Median and "
    "95th percentile per card station (the station of the first ID administrator's right).",
    "deadlines_empty": "No LoA3 case started in the period.",
    "first_verification": "1st verification",
    "second_verification": "2nd verification",
    "deadline": "Deadline (R7)",
    "waited": "Waited",
    "outcome": "Outcome",
    "out_completed": "issued",
    "out_lapsed": "LAPSED (R7)",
    "out_overdue": "deadline passed, not yet lapsed",
    "out_waiting": "waiting",
    "out_other": "cancelled",
    "station": "Card station",
    "cases": "Cases",
    "completed": "Issued",
    "lapsed": "Lapsed",
    "p95": "95th percentile",
    "days_bucket": "{a}–{b} days",
    "chart_deadlines": "Time to the second verification (issued cases)",
    "expiring_title": "Expiring certificates",
    "expiring_intro": "The newest certificate of each issued reserve card that expires in the "
    "window, with its renewal state and who must act.",
    "expiring_empty": "No certificate expires in the window.",
    "days_left": "Days left",
    "renewal_state": "Renewal",
    "who_acts": "Who acts",
    "st_awaiting_request": "the remote administrator must request renewal (R15)",
    "st_awaiting_renewal": "renewal requested; the service desk must renew (R15)",
    "st_loa3_renewal_form": "renewed by a form to the service desk (R9)",
    "st_new_loa3_card": "cannot be renewed past 2026-06-30: new LoA3 reserve card (R4, R14)",
    "st_no_open_case": "no open renewal case; the remote administrator orders anew",
    "role_remote_admin": "remote administrator",
    "role_service_desk": "service desk",
    "role_loa3_admin": "LoA3 ID administrator",
    "window": "Window",
    "staffing_title": "Card-station staffing (R8)",
    "staffing_intro": "ID administrators with LoA3 rights per card station and weekday against "
    "opening hours, and the days on which an applicant meeting a first administrator cannot "
    "meet another within {days} days (R6, R7). Stations are closed on public holidays, "
    "midsommarafton, julafton and nyårsafton.",
    "weekday": "Weekday",
    "hours": "Open",
    "closed": "closed",
    "loa3_admins": "LoA3 administrators",
    "rights_on": "Rights as of {day}.",
    "blocked_days": "Days with no possible second verification",
    "blocked_none": "In the period an applicant starting on an open day can always meet "
    "another LoA3 administrator within {days} days.",
    "day": "Day",
    "first_possible": "First possible with",
    "reachable": "Reachable within {days} days",
    "holidays_in_window": "Holidays in the window",
    "open_days": "Days with an open LoA3 station",
    "blocked_count": "Days without a second verification",
    "audit_title": "Audit extract",
    "audit_intro": "Every recorded action with actor, role, time (local and UTC), versions "
    "and dispensation.",
    "audit_empty": "No recorded events for the selection.",
    "subject_case": "Case",
    "subject_card": "Card",
    "subject_holder": "Holder",
    "state": "State",
    "actor_role": "Actor / role",
    "action": "Action",
    "rule_message": "Rule / message",
    "versions": "Versions",
    "dispensation": "Dispensation",
    "clock_set": "clock set",
    "refusals": "Refusals",
    "events": "Events",
    "whole_history": "the whole history",
    # --- registers: admin rosters in the staffing report ---
    "rosters": "Rostered ID administrators",
    "rosters_none": "No shifts are rostered in the period.",
    "roster_admin": "Administrator",
    "roster_shifts": "Shifts",
    "roster_hours": "Hours",
    # --- revoke: the revocation register (R19) ---
    "revocations_title": "Revoked cards",
    "revocations_intro": "Every card revoked in the period (R19): the reason, the channel, who "
    "revoked it, the add-on services to end and the cases that ended with the card.",
    "revocations_empty": "No card was revoked in the period.",
    "reason": "Reason",
    "via": "Channel",
    "revoked_by": "Revoked by",
    "add_ons": "Add-ons to end",
    "ended_cases": "Cases ended",
    "reason_lost": "lost",
    "reason_stolen": "stolen",
    "reason_damaged": "damaged",
    "reason_name_change": "name change",
    "reason_employment_end": "employment ended",
    "reason_not_activated": "not activated within 100 days (R16)",
    "via_service_desk": "service desk",
    "via_national_support_line": "national support line (recorded afterwards)",
    "via_employment_end": "the process at the employment's end",
    "via_not_activated_100_days": "the process after 100 days (R16)",
    "add_on_door_access": "door access",
}

_TABLES = {"sv": SV, "en": EN}
MONTHS = {
    "sv": ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


class Labels:
    """`t("key", n=3)`: a label in the report's language, formatted with its arguments."""

    def __init__(self, lang: str) -> None:
        if lang not in _TABLES:
            raise ValueError(f"unknown language {lang!r}")
        self.lang = lang
        self._table = _TABLES[lang]

    def __call__(self, key: str, **values: object) -> str:
        text = self._table.get(key) or SV.get(key) or key
        return text.format(**values) if values else text

    def number(self, value: int) -> str:
        """12 345 (narrow no-break space) in Swedish, 12,345 in English."""
        text = f"{value:,}"
        return text.replace(",", "\u202f") if self.lang == "sv" else text

    def decimal(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        text = f"{value:.{digits}f}"
        return text.replace(".", ",") if self.lang == "sv" else text

    def hours(self, value: float | None) -> str:
        """A duration in hours, '24,0 h', or a dash when there is none."""
        return "–" if value is None else f"{self.decimal(value)} h"

    def month(self, key: str) -> str:
        """'2025-12' as 'dec 2025' / 'Dec 2025'."""
        year, month = key.split("-")
        return f"{MONTHS[self.lang][int(month) - 1]} {year}"

    def weekday(self, index: int) -> str:
        names = WEEKDAY_NAMES_SV if self.lang == "sv" else WEEKDAY_NAMES_EN
        return names[index]

    def when(self, at: datetime | None) -> str:
        """Local time to the minute, the way every rule is judged."""
        return to_local(at).strftime("%Y-%m-%d %H:%M") if at is not None else "–"

    def until(self, at: datetime | None) -> str:
        """The last minute of a validity: an end stored as the next local midnight reads as
        the day typed, 23:59, never as the day after (CONTRACT `valid_until`, issue 11)."""
        if at is None:
            return "–"
        local = to_local(at)
        if local.time() == time(0, 0):
            local = to_local(at - timedelta(seconds=1))
        return local.strftime("%Y-%m-%d %H:%M")
