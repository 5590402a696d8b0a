"""Numbers are read from ASCII digits only: "³" or "٢" typed in a chat gets a re-prompt, never an
exception (int("³") raises) and never a silent reading (int("٢") is 2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conversations.answers import parse_numbers
from conversations.engine import Engine
from conversations.inputs import parse_phone
from conversations.model import Choice, Inbound, Invalid, Session, Step, flow
from domain.i18n import N_
from domain.money import ParseError, parse_count, parse_money
from tests.conversations.test_engine import NOW

NOT_ASCII = ["³", "²", "1²", "số ³", "٢", "số ٢", "۲", "৩"]  # superscripts, Arabic-Indic, Bengali
AGAIN = "Vui lòng chọn một trong các lựa chọn"  # the choice step's re-prompt, in Vietnamese
PICK = flow(
    "pick",
    N_("account linking"),
    [
        Step(
            "colour",
            "choice",
            N_("Yes"),
            choices=lambda ctx: (Choice("a", "A"), Choice("b", "B")),
            next="members",
        ),
        Step("members", "number", N_("No"), parse=lambda text: parse_count(text), next="sure"),
        Step("sure", "yesno", N_("Yes")),  # waits, so the answers can be looked at
    ],
    command="/pick",
)
ENGINE = Engine([PICK])


def turn(session: Session, text: str) -> Any:
    return ENGINE.resume(session, Inbound(now=NOW, text=text), {})


@pytest.mark.parametrize("typed", NOT_ASCII)
def test_a_choice_typed_with_other_digits_is_asked_again(typed: str) -> None:
    start = turn(Session(), "/pick").session
    t = turn(start, typed)
    assert t.session.step == "colour" and t.session.answers == {}
    assert AGAIN in t.messages[0].text
    assert turn(start, "2").session.answers == {"colour": "b"}  # ASCII still works


@pytest.mark.parametrize("typed", ["٣", "٣ người"])
def test_a_count_typed_with_other_digits_is_asked_again(typed: str) -> None:
    asked = turn(turn(Session(), "/pick").session, "1").session
    t = turn(asked, typed)
    assert t.session.step == "members" and "members" not in t.session.answers
    assert turn(asked, "3").session.answers["members"] == 3


Parser = Callable[[str], object]
REFUSED: list[tuple[Parser, str]] = [
    (parse_money, "³ triệu"),
    (parse_money, "1³"),
    (parse_money, "٢ triệu"),
    (parse_money, "١٥٠٠٠٠٠"),
    (parse_count, "٢"),
    (parse_phone, "0٩١٢٣٤٥٦٧٨"),
]


@pytest.mark.parametrize(("parse", "typed"), REFUSED)
def test_parsers_refuse_other_digits_with_a_message(parse: Parser, typed: str) -> None:
    with pytest.raises((Invalid, ParseError)):
        parse(typed)


@pytest.mark.parametrize("typed", ["٢ ٥", "1-٣"])
def test_item_numbers_in_other_digits_are_not_read(typed: str) -> None:
    assert parse_numbers(typed) is None
    assert parse_numbers("2 5") == [2, 5]
