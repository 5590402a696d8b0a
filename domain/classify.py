"""Classify a household under a poverty standard: poor, near-poor, average or not poor.

The rule (NĐ 07/2021 Art. 3; NĐ 351/2025; QĐ 59/2015 Art. 2), with the lines from the data file:

- income ≤ income_poor_line (QĐ 59/2015 only): poor, whatever the deprivations;
- income ≤ poverty_line: poor with ≥ poor_min_deprivations deprivations, else near-poor;
- income ≤ average_line (where the standard defines one): average living standard;
- otherwise not poor. Above the poverty line deprivations never matter.

The law compares the average income per person (thu nhập bình quân đầu người/tháng) with the
line, so a household total is compared exactly: total ≤ line × members. 4.500.002 ₫ for 3 people
is 1.500.000,67 ₫ a person, above the 1.500.000 ₫ line; dividing with the fraction dropped would
have made that household poor. The per-person figure shown for reading is rounded up to whole
đồng: with whole-đồng lines, "rounded up ≤ line" holds exactly when "total ≤ line × members"
does, so the printed figure never contradicts the result (1.500.000,67 ₫ shows as 1.500.001 ₫,
above the line; rounded to nearest, 4.500.001 ₫ would show 1.500.000 ₫ yet be above it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from domain.i18n import N_, Translator
from domain.standards import AREAS, Standard, get_standard, standard_for

POOR = "poor"
NEAR_POOR = "near_poor"
AVERAGE = "average"
NOT_POOR = "not_poor"
CLASSES = (POOR, NEAR_POOR, AVERAGE, NOT_POOR)

REASON_INCOME_ONLY = N_("Income {income} ≤ {line} (poor on income alone)")
REASON_AVERAGE = N_("Income {income} > {line} and ≤ {upper}")
REASON_ABOVE = N_("Income {income} > {line}")


class ClassificationError(ValueError):
    """Arguments that cannot be classified (unknown indicator code, bad area or income)."""


@dataclass(frozen=True)
class Classification:
    standard_id: str
    klass: str
    deprivations: int
    deprived: tuple[str, ...]
    income_per_capita: int
    reason: str

    def to_json(self) -> dict[str, object]:
        return {
            "standard": self.standard_id,
            "class": self.klass,
            "deprivations": self.deprivations,
            "deprived": list(self.deprived),
            "income_per_capita": self.income_per_capita,
            "reason": self.reason,
        }


def _whole(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ClassificationError(f"{name} must be a whole number ≥ {minimum}, got {value!r}")
    return value


@dataclass(frozen=True)
class _Income:
    """A monthly household total and its members; income given per person is a household of 1."""

    total: int
    members: int

    def at_most(self, line: int) -> bool:
        """The income per person is ≤ `line`, with no rounding: total ≤ line × members."""
        return self.total <= line * self.members

    @property
    def per_person(self) -> int:
        return -(-self.total // self.members)  # ceiling division, in whole numbers


def per_capita(household_income: int, members: int) -> int:
    """Monthly income per person to show, whole đồng rounded up (see the module docstring)."""
    household_income = _whole("household income", household_income, 0)
    return _Income(household_income, _whole("members", members, 1)).per_person


def _resolve(
    standard: Standard | str | None, day: date | None, standards: Mapping[str, Standard] | None
) -> Standard:
    if (standard is None) == (day is None):
        raise ClassificationError("give either a standard or a day, not both or neither")
    if isinstance(standard, Standard):
        return standard
    if standard is not None:
        return get_standard(standard, standards)
    assert day is not None
    return standard_for(day, standards)


def _deprived(standard: Standard, codes: Iterable[str]) -> tuple[str, ...]:
    if isinstance(codes, str):  # a lone "water" would otherwise iterate as letters
        codes = [codes]
    given = {c.strip() for c in codes if c.strip()}
    unknown = sorted(given - set(standard.indicator_codes))
    if unknown:
        raise ClassificationError(
            f"unknown indicator code(s) for {standard.id}: {', '.join(unknown)}; "
            f"expected some of: {', '.join(standard.indicator_codes)}"
        )
    return tuple(code for code in standard.indicator_codes if code in given)


def classify(
    *,
    area: str,
    deprived: Iterable[str] = (),
    income_per_capita: int | None = None,
    household_income: int | None = None,
    members: int | None = None,
    standard: Standard | str | None = None,
    day: date | None = None,
    standards: Mapping[str, Standard] | None = None,
    locale: str = "vi",
) -> Classification:
    """Classify one household.

    Give the standard (a `Standard` or its id) or the `day` to pick it by date; the income per
    person, or the household's monthly income and its number of members; and the codes of the
    indicators the household is deprived on. `standards` replaces the shipped set (overrides).
    """
    chosen = _resolve(standard, day, standards)
    if area not in AREAS:
        raise ClassificationError(f"area must be one of {', '.join(AREAS)}, got {area!r}")
    if income_per_capita is not None:
        if household_income is not None or members is not None:
            raise ClassificationError("give income per person, or household income and members")
        income = _Income(_whole("income per person", income_per_capita, 0), 1)
    elif household_income is not None and members is not None:
        income = _Income(
            _whole("household income", household_income, 0), _whole("members", members, 1)
        )
    else:
        raise ClassificationError("give income per person, or household income and members")
    codes = _deprived(chosen, deprived)

    lines = chosen.lines(area)
    t = Translator(locale)
    n, minimum = len(codes), chosen.poor_min_deprivations
    money = {"income": t.money(income.per_person), "line": t.money(lines.poverty_line)}
    if lines.income_poor_line is not None and income.at_most(lines.income_poor_line):
        klass = POOR
        reason = t.gettext(
            REASON_INCOME_ONLY, income=money["income"], line=t.money(lines.income_poor_line)
        )
    elif income.at_most(lines.poverty_line) and n >= minimum:
        klass = POOR
        reason = t.ngettext(
            "Income {income} ≤ {line} and {n} deprivation",
            "Income {income} ≤ {line} and {n} deprivations",
            n,
            **money,
        )
    elif income.at_most(lines.poverty_line):
        klass = NEAR_POOR
        reason = t.ngettext(
            "Income {income} ≤ {line} and {n} deprivation (fewer than {minimum})",
            "Income {income} ≤ {line} and {n} deprivations (fewer than {minimum})",
            n,
            minimum=minimum,
            **money,
        )
    elif lines.average_line is not None and income.at_most(lines.average_line):
        klass = AVERAGE
        reason = t.gettext(REASON_AVERAGE, upper=t.money(lines.average_line), **money)
    else:
        klass = NOT_POOR
        top = lines.average_line if lines.average_line is not None else lines.poverty_line
        reason = t.gettext(REASON_ABOVE, income=money["income"], line=t.money(top))
    return Classification(
        standard_id=chosen.id,
        klass=klass,
        deprivations=n,
        deprived=codes,
        income_per_capita=income.per_person,
        reason=reason,
    )
