"""Personal numbers, age limits (Conventions: Identity, C-IDENTITY) and R10 passport scanning."""

from __future__ import annotations

from datetime import date

import pytest
from personnummer.personnummer import Personnummer

from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.policy.identity import ID_DOCUMENTS
from engine.policy.identity import R10_DISPENSATION
from engine.policy.identity import IdentityNumber
from engine.policy.identity import age_on
from engine.policy.identity import check_age_for_loa
from engine.policy.identity import check_loa3_identity
from engine.policy.identity import parse_identity_number

ON = date(2026, 11, 23)
DEMO_NUMBERS = [
    ("19121212-1212", date(1912, 12, 12), False),
    ("19850315-1238", date(1985, 3, 15), False),
    ("20100605-2342", date(2010, 6, 5), False),
    ("19700163-2392", date(1970, 1, 3), True),
    ("19920229-4568", date(1992, 2, 29), False),
]


@pytest.mark.parametrize(("number", "birth_date", "coordination"), DEMO_NUMBERS)
def test_demo_numbers_are_valid_for_the_package_and_for_us(
    number: str, birth_date: date, coordination: bool
) -> None:
    assert Personnummer(number).is_coordination_number() is coordination
    assert parse_identity_number(number, on=ON) == IdentityNumber(
        number=number, birth_date=birth_date, is_coordination_number=coordination
    )


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("191212121212", "19121212-1212"),
        ("8503151238", "19850315-1238"),
        ("850315-1238", "19850315-1238"),
        ("  19850315-1238 ", "19850315-1238"),
        ("700163-2392", "19700163-2392"),
        ("121212-1212", "20121212-1212"),  # '-': under 100, so born 2012
        ("121212+1212", "19121212-1212"),  # '+': 100 or older, so born 1912
    ],
)
def test_short_and_long_forms_normalize_to_yyyymmdd_nnnn(text: str, normalized: str) -> None:
    assert parse_identity_number(text, on=ON).number == normalized


def test_ten_digit_century_follows_the_judging_date_not_today() -> None:
    # Born 1926-12-31: still 99 on 2026-11-23, written with '-'.
    assert parse_identity_number("261231-1239", on=ON).birth_date == date(1926, 12, 31)
    # The same digits judged in 1930 are a 3-year-old.
    assert parse_identity_number("261231-1239", on=date(1930, 1, 1)).birth_date == date(
        1926, 12, 31
    )


def test_samordningsnummer_is_recognised_and_born_on_day_minus_60() -> None:
    identity = parse_identity_number("19700163-2392", on=ON)
    assert identity.is_coordination_number is True
    assert identity.birth_date == date(1970, 1, 3)
    assert identity.number == "19700163-2392"


@pytest.mark.parametrize(
    "text",
    [
        "19121212-1213",  # bad Luhn digit
        "19700163-2393",  # samordningsnummer with a bad Luhn digit
        "19921329-4568",  # month 13
        "19930229-4567",  # 29 February in a non-leap year
        "1912121212121",
        "19121212 1212",
        "abcdefgh-ijkl",
        "",
        "20301212-1212",  # born after the judging date
    ],
)
def test_invalid_numbers_are_refused_in_swedish_and_english(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_identity_number(text, on=ON)
    assert caught.value.rule is None
    assert caught.value.message.startswith(
        f"Ogiltigt personnummer eller samordningsnummer: '{text}'. / Invalid"
    )


@pytest.mark.parametrize(
    ("birth_date", "on", "age"),
    [
        (date(2011, 11, 23), date(2026, 11, 22), 14),
        (date(2011, 11, 23), date(2026, 11, 23), 15),
        (date(2008, 11, 23), date(2026, 11, 22), 17),
        (date(2008, 11, 23), date(2026, 11, 23), 18),
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # leap-day birthday not yet passed
        (date(2008, 2, 29), date(2026, 3, 1), 18),  # older on 1 March in a non-leap year
        (date(2008, 2, 29), date(2028, 2, 29), 20),
    ],
)
def test_age_on_counts_completed_years(birth_date: date, on: date, age: int) -> None:
    assert age_on(birth_date, on) == age


@pytest.mark.parametrize(
    ("loa", "birth_date", "allowed"),
    [
        (2, date(2011, 11, 24), False),  # 14, turns 15 tomorrow
        (2, date(2011, 11, 23), True),  # 15 today
        (3, date(2008, 11, 24), False),  # 17
        (3, date(2008, 11, 23), True),  # 18 today
    ],
)
def test_age_limits_loa2_15_and_loa3_18_on_birthdays(
    loa: int, birth_date: date, allowed: bool
) -> None:
    if allowed:
        check_age_for_loa(birth_date, ON, loa)
        return
    with pytest.raises(NotPermitted) as caught:
        check_age_for_loa(birth_date, ON, loa)
    assert caught.value.rule == "C-IDENTITY"
    minimum = 18 if loa == 3 else 15
    assert f"minst {minimum} år" in caught.value.message
    assert f"innehavaren är {minimum - 1} år" in caught.value.message


def test_r1_age_check_refuses_a_loa_that_does_not_exist() -> None:
    with pytest.raises(Invalid) as caught:
        check_age_for_loa(date(1985, 3, 15), ON, 4)
    assert caught.value.rule == "R1"


PERSONNUMMER = parse_identity_number("19850315-1238", on=ON)
SAMORDNINGSNUMMER = parse_identity_number("19700163-2392", on=ON)


@pytest.mark.parametrize("document", ID_DOCUMENTS)
def test_r10_holder_with_personnummer_needs_no_dispensation(document: str) -> None:
    assert check_loa3_identity(PERSONNUMMER, document, date(2026, 11, 23)) is None


def test_r10_without_personnummer_before_2026_03_30_relies_on_the_dispensation() -> None:
    assert check_loa3_identity(SAMORDNINGSNUMMER, "passport", date(2026, 3, 29)) == (
        R10_DISPENSATION
    )
    assert R10_DISPENSATION == "R10-dispensation-until-2026-03-30"


@pytest.mark.parametrize("document", ["passport", "national_id_card", "driving_licence"])
def test_r10_without_personnummer_from_2026_03_30_refused_without_passport_scan(
    document: str,
) -> None:
    with pytest.raises(NotPermitted) as caught:
        check_loa3_identity(SAMORDNINGSNUMMER, document, date(2026, 3, 30))
    assert caught.value.rule == "R10"


def test_r10_without_personnummer_from_2026_03_30_allowed_with_passport_scan() -> None:
    assert check_loa3_identity(SAMORDNINGSNUMMER, "passport_scan", date(2026, 3, 30)) is None


def test_r10_passport_scan_before_the_dispensation_ends_needs_no_dispensation() -> None:
    assert check_loa3_identity(SAMORDNINGSNUMMER, "passport_scan", date(2026, 2, 1)) is None


@pytest.mark.parametrize("identity", [PERSONNUMMER, SAMORDNINGSNUMMER])
def test_r10_passport_scan_before_2026_02_01_is_invalid(identity: IdentityNumber) -> None:
    with pytest.raises(Invalid) as caught:
        check_loa3_identity(identity, "passport_scan", date(2026, 1, 31))
    assert caught.value.rule == "R10"


def test_unknown_identity_document_is_invalid() -> None:
    with pytest.raises(Invalid, match="id-handling"):
        check_loa3_identity(PERSONNUMMER, "library_card", ON)
