"""Yes and no as hamlet heads type them: with courtesy words, without accents, as an emoji."""

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
