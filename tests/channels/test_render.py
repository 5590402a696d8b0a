"""Splitting long texts and numbering choices, shared by every channel."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.render import numbered, split_text, utf16_len
from bot.channels.simulator import render
from conversations.answers import checklist
from conversations.model import Choice, Outbound
from domain.i18n import Translator


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@given(
    text=st.text(alphabet=st.sampled_from([*"aăâeêoôơuưđ \n.,!?Đ", "🙂", "\u0301"]), max_size=600),
    limit=st.integers(min_value=2, max_value=80),
)
def test_pieces_fit_and_nothing_is_lost(text: str, limit: int) -> None:
    pieces = split_text(text, limit, size=utf16_len)
    assert all(utf16_len(p) <= limit for p in pieces)
    assert _squash("".join(pieces)) == _squash(text)
    if text.strip() and utf16_len(text) > limit:
        assert all(p.strip() for p in pieces)


def test_a_short_text_is_one_piece() -> None:
    assert split_text("Xin chào", 4096) == ["Xin chào"]
    assert split_text("", 10) == [""]


def test_paragraphs_are_preferred_to_lines_and_words() -> None:
    first = "Dòng một của đoạn đầu.\nDòng hai của đoạn đầu."
    second = "Đoạn thứ hai ngắn."
    assert split_text(f"{first}\n\n{second}", len(first) + 5) == [first, second]


def test_sentences_and_words_when_there_is_no_line_break() -> None:
    text = "Hộ ông An đã thoát nghèo. Hộ bà Bình mới phát sinh nghèo trong tháng này."
    assert split_text(text, 40) == [
        "Hộ ông An đã thoát nghèo.",
        "Hộ bà Bình mới phát sinh nghèo trong",
        "tháng này.",
    ]


def test_a_word_longer_than_the_limit_is_cut_hard_but_not_inside_a_letter() -> None:
    word = unicodedata.normalize("NFD", "nghiêng") * 3  # decomposed: marks follow their letters
    pieces = split_text(word, 5)
    assert "".join(pieces) == word
    assert all(not unicodedata.combining(p[0]) for p in pieces)


def test_telegram_counts_an_emoji_twice() -> None:
    assert utf16_len("🙂a") == 3
    assert split_text("🙂🙂🙂", 4, size=utf16_len) == ["🙂🙂", "🙂"]


def test_numbered_list_in_vietnamese_and_english() -> None:
    message = Outbound("Bạn chọn gì?", (Choice("a", "Báo cáo hộ mới"), Choice("b", "Hủy")))
    assert numbered(message, Translator("vi")) == (
        "Bạn chọn gì?\n\n1. Báo cáo hộ mới\n2. Hủy\n(Trả lời bằng số)"
    )
    assert numbered(message, Translator("en")).endswith(
        "2. Hủy\n(Reply with the number of your choice.)"
    )
    assert numbered(Outbound("Chỉ chữ"), Translator("vi")) == "Chỉ chữ"


def test_choices_with_letters_are_listed_by_letter() -> None:
    message = Outbound(
        "Hộ có bao nhiêu nhân khẩu?", (Choice("keep", "4 người (như đã đăng ký)", "a"),)
    )
    assert numbered(message, Translator("vi")) == (
        "Hộ có bao nhiêu nhân khẩu?\n\na. 4 người (như đã đăng ký)\n"
        "(Gõ chữ cái của lựa chọn, hoặc gõ câu trả lời.)"
    )


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_text("x", 0)


def test_a_ticked_checklist_item_is_marked_for_the_page_to_style() -> None:
    """The page styles the engine's ticked items (render's "picked"), not only by their emoji."""
    items = (Choice("water", "Nguồn nước sinh hoạt"), Choice("latrine", "Nhà tiêu hợp vệ sinh"))
    shown = render(Outbound("Đánh dấu", checklist(items, ["water"], Translator("vi"))))
    assert [(c["id"], c.get("picked", False)) for c in shown["choices"]] == [
        ("water", True),
        ("latrine", False),
        ("_all", False),
        ("_done", False),
    ]


@pytest.mark.parametrize("standard_id", ["nd07-2021", "nd351-2025"])
def test_the_indicators_help_is_cut_between_items_on_zalo(standard_id: str) -> None:
    """Zalo takes 2,000 characters a message: the checklist's help comes in pieces, each made of
    whole items (an indicator's question never apart from its explanation)."""
    from conversations.flows.assess import deprived_help
    from conversations.model import Ctx

    ctx = Ctx(Translator("vi"), {}, {"begin": {"standard_id": standard_id}}, {}, None, {})  # type: ignore[arg-type]
    pieces = split_text(deprived_help(ctx), 2000)
    assert len(pieces) > 1
    for piece in pieces:
        assert re.match(r"^\d+\. ", piece), piece[:40]
        assert all(re.match(r"^(\d+\. |   |$)", line) for line in piece.split("\n"))
