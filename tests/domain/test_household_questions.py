"""The indicators put to a household asking to be reviewed (Mẫu 01): its own questions, "yes"
meaning deprived as the hamlet head's; optional in a standards file, checked when given."""

from __future__ import annotations

import json

import pytest

from domain.standards import DATA_DIR, StandardsError, get_standard, parse_standard


@pytest.mark.parametrize("standard_id", ["nd07-2021", "nd351-2025"])
def test_every_indicator_of_a_review_standard_is_asked_of_the_household(standard_id: str) -> None:
    for indicator in get_standard(standard_id).indicators:
        asked = indicator.asked_of_household()
        assert asked == indicator.household_question and asked.endswith("?"), indicator.code
        assert "nhà bạn" in asked.lower(), indicator.code  # to the household, not about it


def test_without_a_household_question_the_hamlet_heads_is_asked() -> None:
    indicator = get_standard("qd59-2015").indicators[0]
    assert indicator.household_question == ""
    assert indicator.asked_of_household() == indicator.question


def test_a_household_question_must_be_a_question() -> None:
    data = json.loads((DATA_DIR / "nd07-2021.json").read_text(encoding="utf-8"))
    data["indicators"][0]["household_question"] = "Nhà bạn có người thất nghiệp"
    with pytest.raises(StandardsError, match=r"indicators\[0\]\.household_question"):
        parse_standard(data, source="nd07-2021.json")
