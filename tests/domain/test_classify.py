"""Classification at every boundary of every standard, each table citing its decree."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.classify import ClassificationError, classify, per_capita
from domain.standards import AreaLines, StandardsError, get_standard

POOR, NEAR, AVG, NOT = "poor", "near_poor", "average", "not_poor"


def first_codes(standard_id: str, n: int) -> list[str]:
    return list(get_standard(standard_id).indicator_codes[:n])


def check(standard_id: str, area: str, income: int, n: int, klass: str, reason: str) -> None:
    result = classify(
        standard=standard_id,
        area=area,
        income_per_capita=income,
        deprived=first_codes(standard_id, n),
    )
    assert (result.klass, result.reason) == (klass, reason)
    assert result.deprivations == n
    assert result.income_per_capita == income


# Nghị định 07/2021/NĐ-CP, Art. 3 (2022–2026): rural 1.500.000 / average to 2.250.000;
# urban 2.000.000 / average to 3.000.000; poor needs ≥ 3 of 12 deprivations.
ND07 = [
    ("rural", 1_400_000, 3, POOR, "Thu nhập 1.400.000 ₫ ≤ 1.500.000 ₫ và thiếu hụt 3 chỉ số"),
    ("rural", 1_500_000, 3, POOR, "Thu nhập 1.500.000 ₫ ≤ 1.500.000 ₫ và thiếu hụt 3 chỉ số"),
    (
        "rural",
        1_500_000,
        2,
        NEAR,
        "Thu nhập 1.500.000 ₫ ≤ 1.500.000 ₫ và thiếu hụt 2 chỉ số (dưới 3)",
    ),
    ("rural", 0, 12, POOR, "Thu nhập 0 ₫ ≤ 1.500.000 ₫ và thiếu hụt 12 chỉ số"),
    ("rural", 0, 0, NEAR, "Thu nhập 0 ₫ ≤ 1.500.000 ₫ và thiếu hụt 0 chỉ số (dưới 3)"),
    ("rural", 1_500_001, 3, AVG, "Thu nhập 1.500.001 ₫ > 1.500.000 ₫ và ≤ 2.250.000 ₫"),
    ("rural", 1_500_001, 12, AVG, "Thu nhập 1.500.001 ₫ > 1.500.000 ₫ và ≤ 2.250.000 ₫"),
    ("rural", 2_250_000, 0, AVG, "Thu nhập 2.250.000 ₫ > 1.500.000 ₫ và ≤ 2.250.000 ₫"),
    ("rural", 2_250_001, 5, NOT, "Thu nhập 2.250.001 ₫ > 2.250.000 ₫"),
    ("urban", 2_000_000, 3, POOR, "Thu nhập 2.000.000 ₫ ≤ 2.000.000 ₫ và thiếu hụt 3 chỉ số"),
    (
        "urban",
        2_000_000,
        2,
        NEAR,
        "Thu nhập 2.000.000 ₫ ≤ 2.000.000 ₫ và thiếu hụt 2 chỉ số (dưới 3)",
    ),
    ("urban", 2_000_001, 3, AVG, "Thu nhập 2.000.001 ₫ > 2.000.000 ₫ và ≤ 3.000.000 ₫"),
    ("urban", 3_000_000, 3, AVG, "Thu nhập 3.000.000 ₫ > 2.000.000 ₫ và ≤ 3.000.000 ₫"),
    ("urban", 3_000_001, 3, NOT, "Thu nhập 3.000.001 ₫ > 3.000.000 ₫"),
    # The rural line is not the urban one: 1.600.000 is average in the country, near-poor in town.
    ("rural", 1_600_000, 2, AVG, "Thu nhập 1.600.000 ₫ > 1.500.000 ₫ và ≤ 2.250.000 ₫"),
    (
        "urban",
        1_600_000,
        2,
        NEAR,
        "Thu nhập 1.600.000 ₫ ≤ 2.000.000 ₫ và thiếu hụt 2 chỉ số (dưới 3)",
    ),
]


@pytest.mark.parametrize(("area", "income", "n", "klass", "reason"), ND07)
def test_nd07_2021_article_3(area: str, income: int, n: int, klass: str, reason: str) -> None:
    check("nd07-2021", area, income, n, klass, reason)


# Quyết định 59/2015/QĐ-TTg, Art. 2 (2016–2021): rural poor ≤ 700.000 on income alone, or
# 700.000–1.000.000 with ≥ 3 of 10 deprivations; urban the same with 900.000 and 1.300.000.
# Average living standard to 1.500.000 / 1.950.000.
QD59 = [
    ("rural", 700_000, 0, POOR, "Thu nhập 700.000 ₫ ≤ 700.000 ₫ (nghèo theo tiêu chí thu nhập)"),
    ("rural", 700_001, 2, NEAR, "Thu nhập 700.001 ₫ ≤ 1.000.000 ₫ và thiếu hụt 2 chỉ số (dưới 3)"),
    ("rural", 700_001, 3, POOR, "Thu nhập 700.001 ₫ ≤ 1.000.000 ₫ và thiếu hụt 3 chỉ số"),
    ("rural", 1_000_000, 3, POOR, "Thu nhập 1.000.000 ₫ ≤ 1.000.000 ₫ và thiếu hụt 3 chỉ số"),
    (
        "rural",
        1_000_000,
        2,
        NEAR,
        "Thu nhập 1.000.000 ₫ ≤ 1.000.000 ₫ và thiếu hụt 2 chỉ số (dưới 3)",
    ),
    ("rural", 1_000_001, 10, AVG, "Thu nhập 1.000.001 ₫ > 1.000.000 ₫ và ≤ 1.500.000 ₫"),
    ("rural", 1_500_000, 0, AVG, "Thu nhập 1.500.000 ₫ > 1.000.000 ₫ và ≤ 1.500.000 ₫"),
    ("rural", 1_500_001, 0, NOT, "Thu nhập 1.500.001 ₫ > 1.500.000 ₫"),
    ("urban", 900_000, 0, POOR, "Thu nhập 900.000 ₫ ≤ 900.000 ₫ (nghèo theo tiêu chí thu nhập)"),
    ("urban", 900_001, 2, NEAR, "Thu nhập 900.001 ₫ ≤ 1.300.000 ₫ và thiếu hụt 2 chỉ số (dưới 3)"),
    ("urban", 900_001, 3, POOR, "Thu nhập 900.001 ₫ ≤ 1.300.000 ₫ và thiếu hụt 3 chỉ số"),
    ("urban", 1_300_000, 3, POOR, "Thu nhập 1.300.000 ₫ ≤ 1.300.000 ₫ và thiếu hụt 3 chỉ số"),
    ("urban", 1_300_001, 3, AVG, "Thu nhập 1.300.001 ₫ > 1.300.000 ₫ và ≤ 1.950.000 ₫"),
    ("urban", 1_950_000, 3, AVG, "Thu nhập 1.950.000 ₫ > 1.300.000 ₫ và ≤ 1.950.000 ₫"),
    ("urban", 1_950_001, 3, NOT, "Thu nhập 1.950.001 ₫ > 1.950.000 ₫"),
    # Rural 800.000 is in the deprivation band; urban 800.000 is poor on income alone.
    ("rural", 800_000, 1, NEAR, "Thu nhập 800.000 ₫ ≤ 1.000.000 ₫ và thiếu hụt 1 chỉ số (dưới 3)"),
    ("urban", 800_000, 1, POOR, "Thu nhập 800.000 ₫ ≤ 900.000 ₫ (nghèo theo tiêu chí thu nhập)"),
]


@pytest.mark.parametrize(("area", "income", "n", "klass", "reason"), QD59)
def test_qd59_2015_article_2(area: str, income: int, n: int, klass: str, reason: str) -> None:
    check("qd59-2015", area, income, n, klass, reason)


# Nghị định 351/2025/NĐ-CP (2027–2030): rural 2.200.000, urban 2.800.000, ≥ 3 deprivations.
# No average band is defined (yet), so above the line is simply not poor.
ND351 = [
    ("rural", 2_200_000, 3, POOR, "Thu nhập 2.200.000 ₫ ≤ 2.200.000 ₫ và thiếu hụt 3 chỉ số"),
    (
        "rural",
        2_200_000,
        2,
        NEAR,
        "Thu nhập 2.200.000 ₫ ≤ 2.200.000 ₫ và thiếu hụt 2 chỉ số (dưới 3)",
    ),
    ("rural", 2_200_001, 3, NOT, "Thu nhập 2.200.001 ₫ > 2.200.000 ₫"),
    ("urban", 2_800_000, 3, POOR, "Thu nhập 2.800.000 ₫ ≤ 2.800.000 ₫ và thiếu hụt 3 chỉ số"),
    (
        "urban",
        2_800_000,
        2,
        NEAR,
        "Thu nhập 2.800.000 ₫ ≤ 2.800.000 ₫ và thiếu hụt 2 chỉ số (dưới 3)",
    ),
    ("urban", 2_800_001, 12, NOT, "Thu nhập 2.800.001 ₫ > 2.800.000 ₫"),
]


@pytest.mark.parametrize(("area", "income", "n", "klass", "reason"), ND351)
def test_nd351_2025(area: str, income: int, n: int, klass: str, reason: str) -> None:
    check("nd351-2025", area, income, n, klass, reason)


# NĐ 351/2025 keeps NĐ 07/2021 through 31/12/2026 and starts its own lines on 01/01/2027:
# the same household (rural, 2.000.000 ₫, 3 deprivations) changes class overnight.
@pytest.mark.parametrize(
    ("day", "standard_id", "klass"),
    [
        (date(2026, 12, 31), "nd07-2021", AVG),
        (date(2027, 1, 1), "nd351-2025", POOR),
    ],
)
def test_date_picks_the_standard_in_force(day: date, standard_id: str, klass: str) -> None:
    result = classify(
        day=day,
        area="rural",
        income_per_capita=2_000_000,
        deprived=["employment", "water", "latrine"],
    )
    assert (result.standard_id, result.klass) == (standard_id, klass)


# The law compares the average income per person with the line (NĐ 07/2021 Art. 3.2), so a
# household total is compared exactly: total ≤ line × members. Each row: standard, area,
# household total, members, deprivations, class, income per person as shown (rounded up).
EXACT = [
    # NĐ 07/2021 rural line 1.500.000: exactly on it per household, then 1 đồng above.
    ("nd07-2021", "rural", 4_500_000, 3, 3, POOR, 1_500_000),
    ("nd07-2021", "rural", 4_500_000, 3, 2, NEAR, 1_500_000),
    ("nd07-2021", "rural", 4_500_001, 3, 3, AVG, 1_500_001),  # 1.500.000,33 ₫ a person
    ("nd07-2021", "rural", 4_500_002, 3, 3, AVG, 1_500_001),  # 1.500.000,67 ₫ a person
    ("nd07-2021", "rural", 6_000_003, 4, 3, AVG, 1_500_001),  # 1.500.000,75 ₫ a person
    ("nd07-2021", "rural", 1_500_000, 1, 3, POOR, 1_500_000),
    ("nd07-2021", "rural", 1_500_001, 1, 3, AVG, 1_500_001),
    # The top of the average band (2.250.000) is exact too.
    ("nd07-2021", "rural", 6_750_000, 3, 0, AVG, 2_250_000),
    ("nd07-2021", "rural", 6_750_001, 3, 0, NOT, 2_250_001),
    # Urban 2.000.000.
    ("nd07-2021", "urban", 14_000_000, 7, 3, POOR, 2_000_000),
    ("nd07-2021", "urban", 14_000_001, 7, 3, AVG, 2_000_001),
    # QĐ 59/2015: the income-only line (rural 700.000) is exact as well.
    ("qd59-2015", "rural", 2_100_000, 3, 0, POOR, 700_000),
    ("qd59-2015", "rural", 2_100_001, 3, 0, NEAR, 700_001),
    # NĐ 351/2025 rural 2.200.000, urban 2.800.000.
    ("nd351-2025", "rural", 6_600_000, 3, 3, POOR, 2_200_000),
    ("nd351-2025", "rural", 6_600_001, 3, 3, NOT, 2_200_001),
    ("nd351-2025", "urban", 16_800_001, 6, 3, NOT, 2_800_001),
    ("nd07-2021", "rural", 0, 5, 0, NEAR, 0),
]


@pytest.mark.parametrize(("standard_id", "area", "total", "members", "n", "klass", "shown"), EXACT)
def test_a_household_total_is_compared_exactly(
    standard_id: str, area: str, total: int, members: int, n: int, klass: str, shown: int
) -> None:
    result = classify(
        standard=standard_id,
        area=area,
        household_income=total,
        members=members,
        deprived=first_codes(standard_id, n),
    )
    assert (result.klass, result.income_per_capita) == (klass, shown)


def test_the_reason_shows_the_rounded_up_figure_on_the_right_side_of_the_line() -> None:
    above = classify(standard="nd07-2021", area="rural", household_income=4_500_002, members=3)
    assert above.reason == "Thu nhập 1.500.001 ₫ > 1.500.000 ₫ và ≤ 2.250.000 ₫"
    on = classify(standard="nd07-2021", area="rural", household_income=4_500_000, members=3)
    assert on.reason == "Thu nhập 1.500.000 ₫ ≤ 1.500.000 ₫ và thiếu hụt 0 chỉ số (dưới 3)"


@pytest.mark.parametrize("members", range(1, 31))
def test_the_shown_figure_never_contradicts_the_exact_comparison(members: int) -> None:
    line = 1_500_000
    for total in range(line * members - 2 * members, line * members + 2 * members + 1):
        exact = classify(
            standard="nd07-2021", area="rural", household_income=total, members=members
        )
        shown = classify(
            standard="nd07-2021", area="rural", income_per_capita=per_capita(total, members)
        )
        assert exact.klass == shown.klass, (total, members)
        assert (total <= line * members) == (per_capita(total, members) <= line)


@pytest.mark.parametrize(
    ("total", "members", "shown"), [(10, 3, 4), (9, 3, 3), (0, 2, 0), (1, 30, 1), (7, 1, 7)]
)
def test_per_capita_rounds_up(total: int, members: int, shown: int) -> None:
    assert per_capita(total, members) == shown


def test_deprived_is_deduplicated_and_in_the_standards_order() -> None:
    result = classify(
        standard="nd07-2021",
        area="rural",
        income_per_capita=1_000_000,
        deprived=["water", " employment ", "water", ""],
    )
    assert result.deprived == ("employment", "water")
    assert result.deprivations == 2


@pytest.mark.parametrize(
    ("standard_id", "code"),
    [
        ("nd07-2021", "wter"),
        ("nd07-2021", "waste"),  # only in NĐ 351/2025
        ("nd351-2025", "telecom"),  # removed by NĐ 351/2025
        ("qd59-2015", "employment"),  # not in QĐ 59/2015
    ],
)
def test_unknown_indicator_codes_are_an_error(standard_id: str, code: str) -> None:
    with pytest.raises(ClassificationError, match=code):
        classify(standard=standard_id, area="rural", income_per_capita=1, deprived=["water", code])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"area": "mountain", "income_per_capita": 1},
        {"area": "rural", "income_per_capita": -1},
        {"area": "rural", "income_per_capita": 1.5},
        {"area": "rural"},
        {"area": "rural", "household_income": 1_000_000},
        {"area": "rural", "household_income": 1_000_000, "members": 0},
        {"area": "rural", "income_per_capita": 1, "household_income": 4, "members": 4},
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ClassificationError):
        classify(standard="nd07-2021", **kwargs)  # type: ignore[arg-type]


def test_standard_and_day_are_exclusive_and_one_is_needed() -> None:
    with pytest.raises(ClassificationError):
        classify(area="rural", income_per_capita=1)
    with pytest.raises(ClassificationError):
        classify(standard="nd07-2021", day=date(2026, 1, 1), area="rural", income_per_capita=1)
    with pytest.raises(StandardsError, match="nd99"):
        classify(standard="nd99", area="rural", income_per_capita=1)
    with pytest.raises(StandardsError, match="2031-01-01"):
        classify(day=date(2031, 1, 1), area="rural", income_per_capita=1)


def test_reason_in_english_and_json_shape() -> None:
    result = classify(
        standard="nd07-2021",
        area="rural",
        income_per_capita=1_400_000,
        deprived=["water", "latrine", "telecom"],
        locale="en",
    )
    assert result.reason == "Income 1.400.000 ₫ ≤ 1.500.000 ₫ and 3 deprivations"
    assert result.to_json() == {
        "standard": "nd07-2021",
        "class": "poor",
        "deprivations": 3,
        "deprived": ["water", "latrine", "telecom"],
        "income_per_capita": 1_400_000,
        "reason": "Income 1.400.000 ₫ ≤ 1.500.000 ₫ and 3 deprivations",
    }


def test_a_corrected_standard_object_is_used_as_given() -> None:
    nd351 = get_standard("nd351-2025")
    corrected = replace(nd351, rural=AreaLines(poverty_line=2_200_000, average_line=3_300_000))
    result = classify(standard=corrected, area="rural", income_per_capita=3_000_000)
    assert result.klass == AVG
