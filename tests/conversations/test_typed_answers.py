"""Answers as hamlet heads type them: yes and no with courtesy words, without accents, as an emoji;
invite codes alone or inside a short sentence."""

from __future__ import annotations

import pytest

from conversations.inputs import parse_yes_no
from conversations.model import Invalid


@pytest.mark.parametrize(
    "typed",
    ["có", "Có.", "co", "c", "ừ", "vâng ạ", "có ạ", "dạ có", "dạ đúng rồi", "đúng rồi", "có rồi",
     "Dạ", "ok", "👍", "số 1", "1"],
)  # fmt: skip
def test_yes(typed: str) -> None:
    assert parse_yes_no(typed) is True


@pytest.mark.parametrize(
    "typed",
    ["không", "KHÔNG", "Không.", "k", "ko", "không ạ", "dạ không", "không có", "ko có",
     "không có đâu", "chưa có", "hok", "👎", "2"],
)  # fmt: skip
def test_no(typed: str) -> None:
    assert parse_yes_no(typed) is False


@pytest.mark.parametrize("typed", ["a", "có không", "không biết", "3"])
def test_anything_else_is_asked_again(typed: str) -> None:
    with pytest.raises(Invalid):
        parse_yes_no(typed)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("SBRA-RGB8", "SBRARGB8"),
        (" p6vr - 3nvn ", "P6VR3NVN"),
        ("Mã mời: SBRA-RGB8", "SBRARGB8"),
        ("mã của tôi là 9tgn qsq6", "9TGNQSQ6"),
        ("dvq4 bs9", None),  # seven characters
        ("Báo cáo hộ Nguyễn Văn An", None),
        ("khang trang", None),
        ("hôm nay trời đẹp ABCDEFGH", None),  # eight letters in a sentence, no digit or dash
    ],
)
def test_an_invite_code_is_found_alone_or_in_a_short_sentence(typed: str, code: str | None) -> None:
    from domain.codes import find_code

    assert find_code(typed) == code


@pytest.mark.parametrize(
    ("typed", "picked"),
    [("đông", "1"), ("Dong", "1"), ("thôn tây", "2"), ("trung", "3"), ("tổ dân phố 1", "4"),
     ("bắc", None), ("th", None)],
)  # fmt: skip
def test_a_hamlet_is_picked_by_its_name_without_the_word_thon(
    typed: str, picked: str | None
) -> None:
    from conversations.inputs import match_choice
    from conversations.model import Choice

    hamlets = (
        Choice("1", "Thôn Đông"), Choice("2", "Thôn Tây"), Choice("3", "Thôn Trung"),
        Choice("4", "Tổ dân phố 1"),
    )  # fmt: skip
    assert match_choice(typed, hamlets) == picked


@pytest.mark.parametrize(
    "typed", ["1tr5 mỗi người", "1.500.000/người", "bình quân 1tr5", "2 triệu/ng"]
)
def test_an_income_given_per_person_is_asked_again_as_the_households(typed: str) -> None:
    from conversations.flows.assess import PER_PERSON, money

    with pytest.raises(Invalid) as refused:
        money(typed)
    assert refused.value.msgid == PER_PERSON


@pytest.mark.parametrize(("typed", "dong"), [("4 triệu", 4_000_000), ("1tr2", 1_200_000)])
def test_a_households_income_is_read(typed: str, dong: int) -> None:
    from conversations.flows.assess import money

    assert money(typed) == dong
