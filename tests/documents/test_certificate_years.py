"""A certificate's part II (Mẫu 03): each year of the standard's period carries the class the
decision about that year's lists recognised, with that decision; a year no decision concerned is
left blank. Pure: the decisions are given as storage.documents.recognitions reads them."""

from __future__ import annotations

from datetime import date

from documents.certificate import Certified, certificate_context, latest_decision, year_marks
from domain.decision_lists import State
from domain.i18n import Translator
from domain.standards import get_standard
from storage.documents import Place, Recognition
from storage.models import OrgUnit
from storage.models_procedure import ReviewRound
from storage.models_register import Household

VI = Translator("vi")
ND07 = get_standard("nd07-2021", None)


def decided(rid: int, kind: str, code: str, number: str, day: date) -> ReviewRound:
    return ReviewRound(
        id=rid,
        commune_id=2,
        kind=kind,
        code=code,
        starts_on=day,
        ends_on=day,
        standard_id="nd07-2021",
        status="closed",
        decision_number=number,
        decision_date=day,
        decision_signer="Đinh Công Thành",
    )


ANNUAL_2024 = decided(1, "periodic", "2024", "90/QĐ-UBND", date(2024, 11, 20))  # 2025's lists
ANNUAL_2025 = decided(2, "periodic", "2025", "101/QĐ-UBND", date(2025, 10, 12))  # 2026's
MAY_2026 = decided(3, "regular", "2026-05", "108/QĐ-UBND", date(2026, 5, 27))
OCTOBER_2026 = decided(4, "regular", "2026-10", "113/QĐ-UBND", date(2026, 10, 20))


def rows(marks: dict) -> list[tuple[int, str, str, str, str]]:  # type: ignore[type-arg]
    commune = OrgUnit(id=2, code="37-GIAVIEN", name="Xã Gia Viễn", level="commune")
    hamlet = OrgUnit(id=3, code="37-GIAVIEN-01", name="Thôn Đông", level="hamlet", parent_id=2)
    household = Household(
        id=7, code="H7", head_name="Bùi Thị Thủy", members=1, hamlet_id=3, commune_id=2
    )
    context = certificate_context(
        VI,
        [Certified(household, hamlet, marks)],
        Place(commune, None),
        ND07,
        year=2026,
        day=None,
        signer="",
    )
    [certificate] = context["certificates"]
    return [
        (y["year"], y["klass"], y["deprived"], y["decision"], y["decided_on"])
        for y in certificate["years"]
    ]


def test_each_year_carries_the_decision_about_its_lists() -> None:
    """Poor on the 2025 lists by the annual review of 2024; near-poor on 2026's by the annual
    review of 2025; poor again in May 2026. 2022–2024: no decision concerned the household."""
    found = [
        Recognition(ANNUAL_2024, State("poor"), ["water", "latrine", "telecom"]),
        Recognition(ANNUAL_2025, State("near_poor"), None),  # whole lists: kept as decided
        Recognition(MAY_2026, State("poor"), ["nutrition", "water", "telecom"]),
    ]
    marks = year_marks(found)
    assert rows(marks) == [
        (2022, "", "", "", ""),
        (2023, "", "", "", ""),
        (2024, "", "", "", ""),
        (2025, "N", "9, 10, 11", "90/QĐ-UBND", "20/11/2024"),
        # The latest decision about 2026's lists: May's, not the annual review's.
        (2026, "N", "3, 9, 11", "108/QĐ-UBND", "27/05/2026"),
    ]
    assert latest_decision(marks) is MAY_2026


def test_a_later_decision_that_left_the_lists_keeps_the_years_class() -> None:
    """A decision that took the household off both lists marks no year; the one before it
    still does. Deprivations not recorded fall back to the latest assessment's."""
    found = [
        Recognition(ANNUAL_2025, State("poor"), None),
        Recognition(OCTOBER_2026, State("not_poor"), []),
    ]
    marks = year_marks(found, fallback=["employment"])
    assert rows(marks)[-1] == (2026, "N", "1", "101/QĐ-UBND", "12/10/2025")
    assert latest_decision(marks) is ANNUAL_2025
    assert year_marks([]) == {} and latest_decision({}) is None
