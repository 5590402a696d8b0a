"""Numbered replies (Zalo): a typed number or label answers the last list the chat was sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from conversations.engine import Engine
from conversations.model import Choice, Inbound, Session, Step, flow
from conversations.pressed import offered
from domain.i18n import N_
from domain.money import parse_count

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
COLOURS = (Choice("red", "Đỏ"), Choice("green", "Xanh lá"))
USER = {"linked": True, "role": "hamlet_head"}

SURVEY = flow(
    "survey",
    N_("household change report"),
    [
        Step("colour", "choice", N_("Yes"), choices=lambda ctx: COLOURS, next="members"),
        Step("members", "number", N_("No"), parse=lambda text: parse_count(text), next="sure"),
        Step("sure", "yesno", N_("Yes"), next="end"),
        Step("end", "message", lambda ctx: f"done {ctx.answers}"),
    ],
    command="/survey",
    in_menu=True,
)
OTHER = flow("other", N_("period report"), [Step("m", "message", N_("No"))], command="/other")
ENGINE = Engine([SURVEY, OTHER])
NOTICE = [["flow:other", "Xem xét"]]


def say(s: Session, text: str | None = None, choice: str | None = None, zalo: bool = True):  # type: ignore[no-untyped-def]
    """One turn, and what the host keeps after it: the last list offered."""
    t = ENGINE.resume(s, Inbound(now=NOW, text=text, choice=choice, numbered=zalo), USER)
    if t.messages:
        t.session.offered = offered(t.messages)
    return t


def test_the_menu_answers_to_its_numbers_and_starts_with_capitals() -> None:
    menu = say(Session(), "xin chào")
    assert [c.label for c in menu.messages[-1].choices] == ["Báo cáo biến động hộ"]
    assert say(menu.session, "1").session.step == "colour"
    assert say(menu.session, "Báo cáo biến động hộ").session.step == "colour"


def test_a_notice_answers_to_its_number_even_mid_question() -> None:
    s = say(Session(), "/survey").session
    s.offered = NOTICE  # what the sender records when it pushes a notice with a button
    t = say(s, "1")
    # Like pressing the notice's button: a switch of task, asked first as for any button.
    assert [c.id.partition("~")[0] for c in t.messages[-1].choices] == [
        "offer:keep",
        "offer:switch",
    ]
    kept = say(t.session, "1")
    assert kept.session.step == "colour" and kept.session.answers == {}


def test_on_a_number_step_a_number_stays_the_answer_but_the_label_presses() -> None:
    s = say(say(Session(), "/survey").session, "2").session
    assert s.step == "members" and s.offered == []  # the question has no list of its own
    s.offered = NOTICE
    assert say(s, "1").session.answers == {"colour": "green", "members": 1}
    switched = say(s, "xem xét")
    assert switched.session.offer == {"flow": "other", "arg": ""}


def test_typed_commands_keep_their_meaning_over_the_list() -> None:
    s = say(Session(), "/survey").session
    s.offered = [["flow:other", "Hủy"]]
    assert say(s, "hủy").session.flow is None  # the command, not a label that spells it


def test_help_and_cancel_after_retries_answer_to_their_numbers() -> None:
    s = say(Session(), "/survey").session
    for _ in range(3):
        t = say(s, "tím")
        s = t.session
    labels = [c.label for c in t.messages[-1].choices]
    assert labels[2:] == ["Trợ giúp", "Hủy"]
    assert say(s, "4").session.flow is None  # 4. Hủy


def test_without_the_numbered_flag_nothing_changes() -> None:
    """Telegram has real buttons: a typed "1" is never taken for a notice's button there."""
    s = say(say(Session(), "/survey").session, "2").session
    s.offered = NOTICE
    t = say(s, "1", zalo=False)
    assert t.session.answers == {"colour": "green", "members": 1}


def test_what_was_offered_survives_json_and_a_cancelled_task() -> None:
    t = say(Session(), "/survey")
    s = Session.from_json(json.loads(json.dumps(t.session.to_json())))
    assert [i.partition("~")[0] for i, _ in s.offered] == ["red", "green"]
    s.clear()
    assert s.flow is None and len(s.offered) == 2


def test_choices_shown_with_a_number_question_carry_letters_and_a_letter_picks_one() -> None:
    """On a step whose answer is a number, "1" is the answer and "a" the first choice."""
    keep = Choice("keep", "4 người (như đã đăng ký)")
    counted = flow(
        "count",
        N_("household change report"),
        [
            Step(
                "members",
                "number",
                N_("No"),
                choices=lambda ctx: [keep],
                parse=lambda text: parse_count(text),
                next="end",
            ),
            Step("end", "message", lambda ctx: f"done {ctx.answers['members']}"),
        ],
        command="/count",
    )
    engine = Engine([counted])
    asked = engine.resume(Session(), Inbound(NOW, text="/count", numbered=True), USER)
    [question] = asked.messages
    assert [c.key for c in question.choices] == ["a"]
    asked.session.offered = offered(asked.messages)  # as the host keeps what it sent
    for typed, answer in (
        ("1", "1"),
        ("a", "keep"),
        ("A.", "keep"),
        ("4 người (như đã đăng ký)", "keep"),
    ):
        done = engine.resume(asked.session, Inbound(NOW, text=typed, numbered=True), USER)
        assert done.messages[-1].text == f"done {answer}", typed
