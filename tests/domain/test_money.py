"""Amounts and counts as people type them in Vietnam, and the reasons given when they can't be read."""

from __future__ import annotations

import unicodedata

import pytest
from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_currency,
    format_decimal,
)
from hypothesis import given
from hypothesis import strategies as st

from domain import money
from domain.i18n import Translator
from domain.money import MAX_AMOUNT, ParseError, parse_count, parse_money

SPELLINGS = [
    ("1500000", 1_500_000),
    ("1.500.000", 1_500_000),
    ("1,500,000", 1_500_000),
    ("1.500.000đ", 1_500_000),
    ("1.500.000 đ", 1_500_000),
    ("1.500.000 VND", 1_500_000),
    ("1.500.000 VNĐ", 1_500_000),
    ("1.500.000 ₫", 1_500_000),
    ("1.500.000 đồng", 1_500_000),
    ("1 500 000", 1_500_000),
    ("1,5 triệu", 1_500_000),
    ("1,5 trieu", 1_500_000),
    ("1,5 TRIỆU", 1_500_000),
    ("1.5tr", 1_500_000),
    ("1,5tr đồng", 1_500_000),
    ("1,5trđ", 1_500_000),
    ("1tr5", 1_500_000),
    ("1tr500", 1_500_000),
    ("1tr05", 1_050_000),
    ("1tr25", 1_250_000),
    ("1500k", 1_500_000),
    ("1500K", 1_500_000),
    ("1500 nghìn", 1_500_000),
    ("1500 nghin", 1_500_000),
    ("1500 ngàn", 1_500_000),
    ("1500 ngan", 1_500_000),
    ("1 triệu 500 nghìn", 1_500_000),
    ("1 trieu 500 ngan", 1_500_000),
    ("1 triệu 500", 1_500_000),
    ("1 triệu rưỡi", 1_500_000),
    ("1 trieu ruoi", 1_500_000),
    ("triệu rưỡi", 1_500_000),
    ("2 triệu", 2_000_000),
    ("2tr", 2_000_000),
    ("800 nghìn", 800_000),
    ("800k", 800_000),
    ("800.000", 800_000),
    ("0", 0),
    ("0đ", 0),
    ("không", 0),
    ("2,25 triệu", 2_250_000),
    ("2.250k", 2_250_000),
    ("1.500 nghìn", 1_500_000),  # dot groups thousands: 1.500 nghìn, not 1,5 nghìn
    ("1,250 triệu", 1_250_000),  # comma is the decimal mark: 1,25 triệu, not 1.250 triệu
    ("1,5 củ", 1_500_000),
    ("hai triệu", 2_000_000),
    ("một triệu hai", 1_200_000),
    ("năm trăm nghìn", 500_000),
    ("một triệu năm trăm nghìn", 1_500_000),
    ("1 triệu 2 trăm rưỡi", 1_250_000),
    ("khoảng 2 triệu", 2_000_000),
    ("2tr/tháng", 2_000_000),
    ("1.500.000đ/người/tháng", 1_500_000),
    ("2 triệu mỗi tháng", 2_000_000),
    ("5.000đ", 5_000),  # small, but the đ says it is meant
    ("12000 đồng", 12_000),
    ("12000 nghìn", 12_000_000),
    ("100000", 100_000),
    ("500000", 500_000),
    ("1.000.000.000", MAX_AMOUNT),
    ("  1,5   triệu. ", 1_500_000),
]


@pytest.mark.parametrize(("text", "amount"), SPELLINGS, ids=[s for s, _ in SPELLINGS])
def test_real_spellings(text: str, amount: int) -> None:
    assert parse_money(text) == amount


@pytest.mark.parametrize("text", ["1,5 triệu đồng", "1 triệu rưỡi", "1500 nghìn", "800 ngàn"])
def test_decomposed_diacritics_read_the_same(text: str) -> None:
    assert parse_money(unicodedata.normalize("NFD", text)) == parse_money(text)


REJECTED = [
    ("", money.MSG_EMPTY),
    ("   ", money.MSG_EMPTY),
    ("abc", money.MSG_NOT_UNDERSTOOD),
    ("k", money.MSG_NOT_UNDERSTOOD),  # "k" alone is chat for "không" (no), not 1.000 ₫
    ("1-2 triệu", money.MSG_NOT_UNDERSTOOD),
    ("1 nghìn 2 triệu", money.MSG_NOT_UNDERSTOOD),
    ("1.5.2024", money.MSG_NOT_UNDERSTOOD),
    ("1,5 triệu 200 nghìn", money.MSG_NOT_UNDERSTOOD),
    ("-500k", money.MSG_NEGATIVE),
    ("âm 1 triệu", money.MSG_NEGATIVE),
    ("2 tỷ", money.MSG_TOO_LARGE),
    ("1.000.000.001", money.MSG_TOO_LARGE),
    ("1.500 tỷ", money.MSG_TOO_LARGE),
    ("1500", money.MSG_NO_UNIT),  # 1.500 ₫ a month is not meant: 1500 nghìn? 1500 triệu?
    ("1.500", money.MSG_NO_UNIT),
    ("2", money.MSG_NO_UNIT),
    ("1,5", money.MSG_NO_UNIT),
    # A shop price in đồng, or thousands with "nghìn" left out; never a month's income as đồng.
    ("12000", money.MSG_NGHIN_OR_DONG),
    ("15000", money.MSG_NGHIN_OR_DONG),
    ("99999", money.MSG_NGHIN_OR_DONG),
    ("12.000", money.MSG_NGHIN_OR_DONG),
    ("50000", money.MSG_NGHIN_OR_DONG),
    ("1tr5000", money.MSG_AMBIGUOUS),  # 1,5 triệu or 1.005.000?
    ("100.500 nghìn", money.MSG_AMBIGUOUS),  # 100.500 ₫ or 100.500.000 ₫, both possible
    ("1,2345678 triệu", money.MSG_FRACTION),
]


@pytest.mark.parametrize(("text", "msgid"), REJECTED, ids=[t or "empty" for t, _ in REJECTED])
def test_rejected_with_a_reason(text: str, msgid: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_money(text)
    assert caught.value.reason_msgid == msgid


@pytest.mark.parametrize(
    ("text", "vietnamese"),
    [
        ("1500", "“1500” chưa có đơn vị. Ý bạn là 1500 nghìn hay 1500 triệu?"),
        ("12000", "“12000” chưa có đơn vị. Ý bạn là 12000 nghìn hay 12000 đồng?"),
        (
            "1tr5000",
            "“1tr5000” có thể hiểu là 1.500.000 ₫ hoặc 1.005.000 ₫. "
            "Vui lòng nhập đủ số tiền, ví dụ 1.500.000.",
        ),
        (
            "2 tỷ",
            "2.000.000.000 ₫ mỗi tháng là vượt quá 1.000.000.000 ₫. Vui lòng kiểm tra lại con số.",
        ),
        ("-500k", "Số tiền không thể là số âm. Nếu không có thu nhập, hãy nhập 0."),
    ],
)
def test_reason_becomes_a_vietnamese_reprompt(text: str, vietnamese: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_money(text)
    assert caught.value.message(Translator("vi")) == vietnamese


def test_reason_params_are_raw_for_the_caller() -> None:
    with pytest.raises(ParseError) as caught:
        parse_money("100.500 nghìn")
    assert caught.value.params == {
        "text": "100.500 nghìn",
        "first": 100_500,
        "second": 100_500_000,
    }
    assert "100.500 ₫ or 100.500.000 ₫" in str(caught.value)


amounts = st.integers(min_value=0, max_value=MAX_AMOUNT)


@given(amounts)
def test_babel_currency_round_trip(amount: int) -> None:
    assert parse_money(format_currency(amount, "VND", locale="vi_VN")) == amount


@given(amounts.filter(lambda a: a == 0 or a >= money.BARE_MINIMUM))
def test_babel_decimal_round_trip(amount: int) -> None:
    assert parse_money(format_decimal(amount, locale="vi_VN")) == amount


# Compact forms ("1,23 Tr", "560 N") are exact for multiples of 10.000 below a billion.
@given(st.integers(min_value=1, max_value=99_999).map(lambda n: n * 10_000))
def test_babel_compact_round_trip(amount: int) -> None:
    assert parse_money(format_compact_decimal(amount, locale="vi_VN", fraction_digits=2)) == amount
    compact = format_compact_currency(amount, "VND", locale="vi_VN", fraction_digits=2)
    assert parse_money(compact) == amount


@given(st.integers(min_value=1, max_value=1_000_000))
def test_thousands_with_k_round_trip(thousands: int) -> None:
    assert parse_money(f"{thousands}k") == thousands * 1000


COUNTS = [
    ("5", 5),
    (" 5 ", 5),
    ("năm", 5),
    ("nam", 5),
    ("5 người", 5),
    ("5 nguoi", 5),
    ("5ng", 5),
    ("năm người", 5),
    ("5 nhân khẩu", 5),
    ("hộ có 5 người", 5),
    ("bốn", 4),
    ("mười", 10),
    ("mười hai", 12),
    ("hai mươi", 20),
    ("1", 1),
    ("50", 50),
]


@pytest.mark.parametrize(("text", "count"), COUNTS, ids=[t for t, _ in COUNTS])
def test_counts(text: str, count: int) -> None:
    assert parse_count(text) == count
    assert parse_count(unicodedata.normalize("NFD", text)) == count


@pytest.mark.parametrize(
    ("text", "msgid"),
    [
        ("", money.MSG_COUNT_EMPTY),
        ("người", money.MSG_COUNT_EMPTY),
        ("abc", money.MSG_COUNT_NOT_UNDERSTOOD),
        ("5 6", money.MSG_COUNT_NOT_UNDERSTOOD),
        ("5k", money.MSG_COUNT_NOT_UNDERSTOOD),
        ("5.5", money.MSG_COUNT_NOT_WHOLE),
        ("0", money.MSG_COUNT_RANGE),
        ("-3", money.MSG_COUNT_RANGE),
        ("51", money.MSG_COUNT_RANGE),
    ],
)
def test_counts_rejected(text: str, msgid: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_count(text)
    assert caught.value.reason_msgid == msgid


def test_count_range_is_the_callers() -> None:
    assert parse_count("0", minimum=0) == 0
    assert parse_count("60", maximum=100) == 60
    with pytest.raises(ParseError) as caught:
        parse_count("12", maximum=10)
    assert caught.value.message(Translator("vi")) == "Vui lòng nhập một số từ 1 đến 10."
