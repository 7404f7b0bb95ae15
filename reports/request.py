"""A report request as the CLI and the web front give it, checked before any query runs.

Checking first means a typo in a date or an unwritable path is refused in a sentence
(exit 2) rather than after a minute of querying.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.errors import Invalid
from engine.reporting.common import Period
from engine.reporting.common import parse_day
from engine.reporting.common import parse_period
from reports.i18n import LANGUAGES

ISSUANCE = "issuance"
LOA2_COMPLIANCE = "loa2-compliance"
DEADLINES = "deadlines"
EXPIRING = "expiring"
STAFFING = "staffing"
AUDIT = "audit"
REPORT_NAMES = (ISSUANCE, LOA2_COMPLIANCE, DEADLINES, EXPIRING, STAFFING, AUDIT)
# Reports whose period may be left out: the audit extract (the whole history) and the
# expiring certificates (the next --days days from now).
PERIOD_OPTIONAL = (AUDIT, EXPIRING)
DEFAULT_EXPIRING_DAYS = 30
# Detail tables print every row (issue 11); up to this many rows in all they flow with
# the prose in one WeasyPrint document, longer ones are laid out by reports/tables.py
# (see reports/render.py and docs/benchmarks.md, Reports).
INLINE_ROWS = 200


@dataclass(frozen=True)
class ReportRequest:
    name: str
    out: Path
    lang: str = "sv"
    period: Period | None = None
    first_day_only: bool = False  # expiring: --from given without --to
    case_id: int | None = None
    card: str | None = None
    holder: str | None = None
    days: int | None = None
    inline_rows: int = INLINE_ROWS

    @classmethod
    def parse(
        cls,
        name: str,
        *,
        out: str | Path,
        lang: str = "sv",
        first: str | None = None,
        last: str | None = None,
        case_id: int | None = None,
        card: str | None = None,
        holder: str | None = None,
        days: int | None = None,
        inline_rows: int = INLINE_ROWS,
    ) -> ReportRequest:
        """Check every option; raise `Invalid` with a sentence a manager understands."""
        if name not in REPORT_NAMES:
            raise Invalid(
                f"Okänd rapport '{name}'. Välj bland: {', '.join(REPORT_NAMES)}. / "
                f"Unknown report '{name}'. Choose one of: {', '.join(REPORT_NAMES)}."
            )
        if lang not in LANGUAGES:
            raise Invalid(
                f"Okänt språk '{lang}'; välj sv eller en. / Unknown language '{lang}'; "
                "choose sv or en."
            )
        period, first_only = _period(name, first, last, days)
        if name != AUDIT and (case_id is not None or card or holder):
            raise Invalid(
                "--case, --card och --holder gäller bara rapporten audit. / "
                "--case, --card and --holder apply to the audit report only."
            )
        if name == AUDIT and sum(x is not None for x in (case_id, card, holder)) != 1:
            raise Invalid(
                "Granskningsutdraget behöver precis ett av --case, --card och --holder. / "
                "The audit extract needs exactly one of --case, --card and --holder."
            )
        return cls(
            name=name,
            out=check_writable(Path(out)),
            lang=lang,
            period=period,
            first_day_only=first_only,
            case_id=case_id,
            card=card,
            holder=holder,
            days=days,
            inline_rows=inline_rows,
        )


def _period(
    name: str, first: str | None, last: str | None, days: int | None
) -> tuple[Period | None, bool]:
    if days is not None and name != EXPIRING:
        raise Invalid("--days gäller bara rapporten expiring. / --days applies to expiring only.")
    if days is not None and days < 1:
        raise Invalid(f"--days måste vara minst 1, inte {days}. / --days must be at least 1.")
    if name == EXPIRING and days is not None and last is not None:
        raise Invalid(
            "Ange antingen --to eller --days för expiring, inte båda. / "
            "Give either --to or --days for expiring, not both."
        )
    if first is None and last is None and name in PERIOD_OPTIONAL:
        return None, False
    if name == EXPIRING and first is not None and last is None:
        day = parse_day(first, "--from")
        return Period(day, day), True
    if first is None or last is None:
        raise Invalid(
            f"Rapporten {name} behöver en period: --from ÅÅÅÅ-MM-DD --to ÅÅÅÅ-MM-DD. / "
            f"The {name} report needs a period: --from YYYY-MM-DD --to YYYY-MM-DD."
        )
    return parse_period(first, last), False


def check_writable(out: Path) -> Path:
    """Refuse a directory, a missing folder or a folder or file we may not write."""
    target = out.expanduser()
    if target.is_dir():
        raise Invalid(
            f"{target} är en mapp; ange en fil, t.ex. {target / 'rapport.pdf'}. / "
            f"{target} is a folder; give a file, e.g. {target / 'report.pdf'}."
        )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise Invalid(
            f"Mappen {folder} finns inte; rapporten kan inte skrivas. / "
            f"The folder {folder} does not exist; the report cannot be written."
        )
    writable = os.access(folder, os.W_OK | os.X_OK) and (
        not target.exists() or os.access(target, os.W_OK)
    )
    if not writable:
        raise Invalid(f"Ingen skrivrätt till {target}. / No permission to write {target}.")
    return target
