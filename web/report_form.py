"""The Reports page's form: the reports a user may print, and the posted fields checked in
the session's language before `reports.ReportRequest` sees them.

The page shows only the fields the chosen report takes (REPORT_FIELDS, applied by
web/static/reports.js); without JavaScript every field shows and this still decides.

`reports.ReportRequest.parse` stays the one authority on what a report accepts (the CLI
uses it too); this only says what is wrong beside the field it concerns, in words for a
form rather than for command-line options. Fields that do not apply to the chosen report
(the audit subject, the days ahead) are left out rather than refused, since without
JavaScript the page shows every field at once and a value left over from a previous
download is no mistake.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from pathlib import Path

from flask_babel import gettext

from engine.inputs import LARGEST_ID
from engine.policy.timekeeping import EARLIEST_SUPPORTED_DAY
from engine.policy.timekeeping import LATEST_SUPPORTED_DAY
from reports.i18n import LANGUAGES
from reports.i18n import Labels
from reports.request import AUDIT
from reports.request import DEFAULT_EXPIRING_DAYS
from reports.request import EXPIRING
from reports.request import LOA2_COMPLIANCE
from reports.request import PERIOD_OPTIONAL
from reports.request import REPORT_NAMES
from reports.request import ReportRequest

FIELDS = ("report", "first", "last", "lang", "case_id", "card", "holder", "days")
SUBJECT_FIELDS = ("case_id", "card", "holder")
PERIOD_FIELDS = ("first", "last", "lang")
# The fields each report takes besides its name.
REPORT_FIELDS: dict[str, tuple[str, ...]] = {
    **{name: PERIOD_FIELDS for name in REPORT_NAMES},
    EXPIRING: (*PERIOD_FIELDS, "days"),
    AUDIT: (*PERIOD_FIELDS, *SUBJECT_FIELDS),
}
MAX_DAYS_AHEAD = 3660  # ten years: beyond any certificate's validity
MAX_TEXT = 100
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9-]+")


def report_title(name: str, lang: str) -> str:
    """The report's title as its first page prints it, in `lang`."""
    key = "compliance" if name == LOA2_COMPLIANCE else name
    return Labels(lang)(f"{key}_title")


def report_choices(allowed: tuple[str, ...], lang: str) -> list[tuple[str, str, str | None]]:
    """(value, label, language of the label if not the page's) for the report select."""
    return [(name, report_title(name, lang), None) for name in allowed]


@dataclass(frozen=True)
class ReportOptions:
    """The checked choice, in the terms of `ReportRequest.parse`."""

    name: str
    lang: str
    first: str | None = None
    last: str | None = None
    case_id: int | None = None
    card: str | None = None
    holder: str | None = None
    days: int | None = None

    def request(self, out: Path) -> ReportRequest:
        return ReportRequest.parse(
            self.name,
            out=out,
            lang=self.lang,
            first=self.first,
            last=self.last,
            case_id=self.case_id,
            card=self.card,
            holder=self.holder,
            days=self.days,
        )


@dataclass
class CheckedForm:
    """What was posted (to draw the form again), each field's error, and, when there is
    none, the checked options."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    options: ReportOptions | None = None


def blank_form(allowed: tuple[str, ...], lang: str) -> CheckedForm:
    values = dict.fromkeys(FIELDS, "")
    values.update(report=allowed[0] if allowed else "", lang=lang)
    return CheckedForm(values)


def check_form(posted: Mapping[str, str], allowed: tuple[str, ...]) -> CheckedForm:
    """Check every field and collect all errors at once, so one round trip fixes them."""
    values = {name: str(posted.get(name, "")).strip()[:MAX_TEXT] for name in FIELDS}
    checked = CheckedForm(values)
    errors = checked.errors
    name = values["report"]
    if name not in allowed:
        errors["report"] = gettext("Choose a report.")
    if values["lang"] not in LANGUAGES:
        errors["lang"] = gettext("Choose Swedish or English.")
    first = _day(values, "first", errors)
    last = _day(values, "last", errors)
    days = _days(values, errors) if name == EXPIRING else None
    _check_period(name, first, last, days, errors)
    case_id, card, holder = _subject(values, errors) if name == AUDIT else (None, None, None)
    if errors:
        return checked
    checked.options = ReportOptions(
        name=name,
        lang=values["lang"],
        first=first.isoformat() if first else None,
        last=last.isoformat() if last else None,
        case_id=case_id,
        card=card,
        holder=holder,
        days=days,
    )
    return checked


def _day(values: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    text = values[name]
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = gettext("Write the date as YYYY-MM-DD, e.g. 2026-11-01.")
        return None
    if not EARLIEST_SUPPORTED_DAY <= day <= LATEST_SUPPORTED_DAY:
        # A period at the calendar's ends overflowed into a 500 (issue 10).
        errors[name] = gettext(
            "Write a date from %(first)s to %(last)s.",
            first=EARLIEST_SUPPORTED_DAY.isoformat(),
            last=LATEST_SUPPORTED_DAY.isoformat(),
        )
        return None
    return day


def _days(values: Mapping[str, str], errors: dict[str, str]) -> int | None:
    text = values["days"]
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_DAYS_AHEAD:
        errors["days"] = gettext(
            "Write a whole number of days from 1 to %(max)d.", max=MAX_DAYS_AHEAD
        )
        return None
    return int(text)


def _check_period(
    name: str, first: date | None, last: date | None, days: int | None, errors: dict[str, str]
) -> None:
    """What the period lacks for `name`; a malformed day already has its own error."""
    has_first = first is not None or "first" in errors
    has_last = last is not None or "last" in errors
    if first is not None and last is not None and first > last:
        errors["last"] = gettext(
            "The period ends before it starts: the last day is before the first."
        )
    if name == EXPIRING:
        if has_last and days is not None:
            errors.setdefault(
                "days", gettext("Give either a last day or a number of days, not both.")
            )
        elif has_last and not has_first:
            errors["first"] = gettext("Give the first day too, or leave both days empty.")
        return
    if name in PERIOD_OPTIONAL:  # the audit extract: a period or the whole history
        if has_first != has_last:
            missing = "last" if has_first else "first"
            errors[missing] = gettext(
                "Give both days of the period, or neither for the whole history."
            )
        return
    if not has_first:
        errors["first"] = gettext("Give the first day of the period.")
    if not has_last:
        errors["last"] = gettext("Give the last day of the period.")


def _subject(
    values: Mapping[str, str], errors: dict[str, str]
) -> tuple[int | None, str | None, str | None]:
    """The audit extract's one subject: (case number, card number, holder)."""
    given = [name for name in SUBJECT_FIELDS if values[name]]
    if len(given) != 1:
        errors["subject"] = gettext(
            "The audit extract needs exactly one of case number, card number and holder."
        )
        return None, None, None
    if given == ["case_id"]:
        text = values["case_id"]
        # Past LARGEST_ID no case exists, and the number overflowed the driver (issue 10).
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= LARGEST_ID:
            errors["case_id"] = gettext("A case number is a whole number, e.g. 12.")
            return None, None, None
        return int(text), None, None
    if given == ["card"]:
        return None, values["card"], None
    return None, None, values["holder"]


def download_name(options: ReportOptions, today: date) -> str:
    """`sithsflow-loa2-compliance-2026-11-01-2026-11-30.pdf`; the audit subject, and the
    days ahead of expiring certificates when no last day was given."""
    parts = ["sithsflow", options.name]
    for key, value in (
        ("case", options.case_id),
        ("card", options.card),
        ("holder", options.holder),
    ):
        if value is not None:
            parts += [key, str(value)]
    parts += [day for day in (options.first, options.last) if day is not None]
    if options.name == EXPIRING and options.last is None:
        if options.first is None:
            parts.append(today.isoformat())
        parts.append(f"{options.days or DEFAULT_EXPIRING_DAYS}d")
    safe = (_SAFE_FILENAME.sub("", part) for part in parts)
    return "-".join(part for part in safe if part) + ".pdf"
