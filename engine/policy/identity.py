"""Identity checks before issuance: personal numbers, age limits and the R10 passport rule.

The rule book has no rule ID for age or number checks; they come from the national SITHS
rules summarised in DOMAIN.md, Conventions: Identity, cited here as `C-IDENTITY`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from personnummer.personnummer import Personnummer
from personnummer.personnummer import PersonnummerException

from engine.errors import Invalid
from engine.errors import NotPermitted

IDENTITY_CONVENTION_RULE = "C-IDENTITY"
MIN_AGE_LOA2_YEARS = 15
MIN_AGE_LOA3_YEARS = 18
# R10: the dispensation for holders without personnummer ran to this date (exclusive).
R10_DISPENSATION_ENDS_ON = date(2026, 3, 30)
R10_DISPENSATION = "R10-dispensation-until-2026-03-30"
# R10: passport scanning exists from February 2026 (Android; iPhone from October 2026).
PASSPORT_SCAN_AVAILABLE_FROM = date(2026, 2, 1)
ID_DOCUMENTS = ("passport", "national_id_card", "driving_licence", "passport_scan")
COORDINATION_DAY_OFFSET = 60

_NUMBER = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{4})$")


@dataclass(frozen=True)
class IdentityNumber:
    """A checked personnummer or samordningsnummer."""

    number: str  # normalized 'YYYYMMDD-NNNN' (a samordningsnummer keeps its day + 60)
    birth_date: date
    is_coordination_number: bool


def _invalid_number(text: str) -> Invalid:
    return Invalid(
        f"Ogiltigt personnummer eller samordningsnummer: '{text}'. / "
        f"Invalid personal identity number or coordination number: '{text}'."
    )


def _full_year(two_digits: int, month: int, day: int, separator: str, on: date) -> int:
    """The century of a 10-digit number: '-' under 100 years old on `on`, '+' 100 or older."""
    year = on.year - (on.year - two_digits) % 100
    if year == on.year and (month, day) > (on.month, on.day):
        year -= 100  # not born yet this year: the previous century
    if separator == "+":
        year -= 100
    return year


def parse_identity_number(text: str, *, on: date) -> IdentityNumber:
    """Parse and check a 12- or 10-digit personnummer or samordningsnummer (date, Luhn digit).

    `on` is the date the number is judged on: a 10-digit number has no century, and its
    separator ('-' under 100 years old, '+' from 100) is read relative to that date.
    A 12-digit number carries its century and its separator is ignored.
    """
    match = _NUMBER.match(text.strip())
    if match is None:
        raise _invalid_number(text)
    century, yy, mm, dd, separator, serial = match.groups()
    month, written_day = int(mm), int(dd)
    is_coordination = written_day > COORDINATION_DAY_OFFSET
    day = written_day - COORDINATION_DAY_OFFSET if is_coordination else written_day
    if century is not None:
        year = int(century + yy)
    else:
        year = _full_year(int(yy), month, day, separator, on)
    try:
        birth_date = date(year, month, day)
        # The package checks the Luhn digit and the date; we give it 12 digits so that
        # its own century guess (from today's date) never enters.
        Personnummer(f"{year:04d}{mm}{dd}{serial}")
    except (ValueError, PersonnummerException):
        raise _invalid_number(text) from None
    if birth_date > on:
        raise _invalid_number(text)
    return IdentityNumber(
        number=f"{year:04d}{mm}{dd}-{serial}",
        birth_date=birth_date,
        is_coordination_number=is_coordination,
    )


def age_on(birth_date: date, on: date) -> int:
    """Completed years on `on`.

    Someone born on 29 February turns a year older on 1 March in a non-leap year (the
    birthday has not passed on 28 February), which is how Swedish age counting reads.
    """
    if on < birth_date:
        raise ValueError(f"{on.isoformat()} is before the birth date {birth_date.isoformat()}")
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def check_age_for_loa(birth_date: date, on: date, loa: int) -> None:
    """C-IDENTITY: LoA3 needs age 18 or older, LoA2 age 15 or older, on the issuing date."""
    if loa not in (2, 3):
        raise Invalid(
            f"SITHS har bara tillitsnivå 2 och 3, inte {loa} (R1). / "
            f"SITHS has only LoA2 and LoA3, not {loa} (R1).",
            rule="R1",
        )
    minimum = MIN_AGE_LOA3_YEARS if loa == 3 else MIN_AGE_LOA2_YEARS
    age = age_on(birth_date, on)
    if age < minimum:
        raise NotPermitted(
            f"LoA{loa} kräver att innehavaren är minst {minimum} år; innehavaren är {age} år. / "
            f"LoA{loa} requires the holder to be at least {minimum}; the holder is {age}.",
            rule=IDENTITY_CONVENTION_RULE,
        )


def check_loa3_identity(identity: IdentityNumber, id_document: str, on: date) -> str | None:
    """R10: which identity document gives LoA3; returns the dispensation relied on, if any.

    A holder with a samordningsnummer (no personnummer) needs `passport_scan` from
    2026-03-30; before that the R10 dispensation allowed other documents, and the returned
    string goes into the audit trail. With a passport scan no dispensation is relied on.
    """
    if id_document not in ID_DOCUMENTS:
        raise Invalid(
            f"Okänd id-handling: '{id_document}'. Giltiga: {', '.join(ID_DOCUMENTS)}. / "
            f"Unknown identity document: '{id_document}'. Valid: {', '.join(ID_DOCUMENTS)}."
        )
    if id_document == "passport_scan" and on < PASSPORT_SCAN_AVAILABLE_FROM:
        raise Invalid(
            "Skanning av biometriskt pass finns från 2026-02-01 (R10). / "
            "Biometric passport scanning is available from 2026-02-01 (R10).",
            rule="R10",
        )
    if not identity.is_coordination_number or id_document == "passport_scan":
        return None
    if on < R10_DISPENSATION_ENDS_ON:
        return R10_DISPENSATION
    raise NotPermitted(
        "Från 2026-03-30 får en person utan personnummer LoA3 bara genom skanning av "
        "biometriskt pass (R10). / From 2026-03-30 a person without a personnummer gets "
        "LoA3 only by scanning a biometric passport (R10).",
        rule="R10",
    )
