"""A chat without buttons (Zalo) is never told to press one: it is told what to type instead,
the number of a choice, or its letter where the answer is itself a number. Chats with buttons
keep "bấm" (press)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from conversations.engine import Engine
from conversations.flows import FLOWS, meeting, meeting_agenda, round, support
from conversations.inputs import parse_yes_no
from conversations.model import Choice, Ctx, Inbound, Invalid, Session, Step, flow
from conversations.pressed import offered
from domain.i18n import N_, Translator
from domain.money import parse_count

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
USER = {"linked": True, "role": "hamlet_head"}
VI = Translator("vi")

SURVEY = flow(
    "survey",
    N_("household change report"),
    [
        Step(
            "colour",
            "choice",
            N_("Yes"),
            choices=lambda ctx: (Choice("red", "Đỏ"), Choice("green", "Xanh lá")),
            next="members",
        ),
        Step(
            "members",
            "number",
            N_("No"),
            choices=lambda ctx: [Choice("keep", "4 người")],
            parse=lambda text: parse_count(text),
            next="sure",
        ),
        Step("sure", "yesno", N_("Yes"), next="end"),
        Step("end", "message", lambda ctx: "done"),
    ],
    command="/survey",
)
ENGINE = Engine([SURVEY])


@dataclass
class Chat:
    numbered: bool


def say(s: Session, text: str | None = None, *, zalo: bool, unreadable: bool = False) -> Any:
    t = ENGINE.resume(s, Inbound(now=NOW, text=text, numbered=zalo, unreadable=unreadable), USER)
    if t.messages:
        t.session.offered = offered(t.messages)
    return t


def said(turn: Any) -> str:
    return "\n".join(m.text for m in turn.messages)


def at(step: str, *, zalo: bool) -> Session:
    s = say(Session(), "/survey", zalo=zalo).session
    for typed in {"members": ["1"], "sure": ["1", "4"]}.get(step, []):
        s = say(s, typed, zalo=zalo).session
    assert s.step == step
    return s


@pytest.mark.parametrize(
    ("step", "wrong", "zalo", "expected"),
    [
        ("colour", "tím", True, "Vui lòng chọn một trong các lựa chọn: gõ số thứ tự."),
        (
            "colour",
            "tím",
            False,
            "Vui lòng chọn một trong các lựa chọn: bấm nút hoặc gõ số thứ tự.",
        ),
        ("sure", "có lẽ", True, "Vui lòng trả lời có hoặc không: gõ 1 là Có, 2 là Không."),
        ("sure", "có lẽ", False, "Vui lòng trả lời có hoặc không: bấm nút hoặc gõ 1 là Có"),
        ("colour", " ", True, "Vui lòng gõ câu trả lời."),
        ("colour", " ", False, "Vui lòng nhập câu trả lời hoặc bấm nút."),
    ],
)
def test_a_wrong_answer_says_what_to_type_or_press(
    step: str, wrong: str, zalo: bool, expected: str
) -> None:
    assert expected in said(say(at(step, zalo=zalo), wrong, zalo=zalo))


@pytest.mark.parametrize(
    ("step", "wrong", "hint", "help_key"),
    [
        # Two colours, then 3. Trợ giúp and 4. Hủy.
        ("colour", "tím", "Gõ 3 để được hướng dẫn (Trợ giúp) hoặc 4 để dừng (Hủy).", "3"),
        # A number question: its one choice is "a", then b. Trợ giúp and c. Hủy.
        ("members", "nhiều", "Gõ b để được hướng dẫn (Trợ giúp) hoặc c để dừng (Hủy).", "b"),
    ],
)
def test_after_three_wrong_answers_zalo_is_told_the_keys_of_help_and_cancel(
    step: str, wrong: str, hint: str, help_key: str
) -> None:
    s = at(step, zalo=True)
    for _ in range(3):
        t = say(s, wrong, zalo=True)
        s = t.session
    assert hint in said(t) and "bấm" not in said(t).lower()
    assert [c.key for c in t.messages[-1].choices][-2:] == (
        ["b", "c"] if help_key == "b" else [None, None]  # numbers are their place in the list
    )
    assert say(s, help_key, zalo=True).session.step == step  # the help, then the same question


def test_after_three_wrong_answers_a_chat_with_buttons_is_told_to_press() -> None:
    s = at("colour", zalo=False)
    for _ in range(3):
        t = say(s, "tím", zalo=False)
        s = t.session
    assert "Bấm Trợ giúp để được hướng dẫn hoặc Hủy để dừng." in said(t)


@pytest.mark.parametrize(
    ("step", "zalo", "expected"),
    [
        ("colour", True, "Vui lòng gõ câu trả lời, hoặc trả lời bằng số thứ tự của lựa chọn."),
        ("members", True, "Vui lòng gõ câu trả lời, hoặc gõ chữ cái của lựa chọn."),
        ("members", False, "Vui lòng gõ câu trả lời hoặc bấm nút."),
    ],
)
def test_a_sticker_is_answered_with_the_way_to_reply(step: str, zalo: bool, expected: str) -> None:
    assert expected in said(say(at(step, zalo=zalo), zalo=zalo, unreadable=True))


REFUSED: list[tuple[str, Callable[[], object]]] = [
    ("yes or no", lambda: parse_yes_no("có lẽ")),
    ("meeting date", lambda: meeting._day_shape("hôm kia")),
    ("meeting votes", lambda: meeting_agenda.parse_votes("nhiều")),
    ("support date", lambda: support._day_shape("hôm kia")),
    ("decision date", lambda: round._day_shape("hôm kia")),
]


@pytest.mark.parametrize("refuse", [r for _, r in REFUSED], ids=[name for name, _ in REFUSED])
def test_refusals_that_say_press_have_a_typed_wording(refuse: Callable[[], object]) -> None:
    with pytest.raises(Invalid) as caught:
        refuse()
    assert "bấm" in caught.value.message(VI, Chat(numbered=False)).lower()
    typed = caught.value.message(VI, Chat(numbered=True))
    assert "gõ" in typed.lower() and "bấm" not in typed.lower()


# Enough of a flow's data for some prompts that read it (the support's value, the helper).
ANSWERS = {"kind": "breeding_stock"}
HOUSEHOLD = {"head_name": "Lê Thị Mai", "code": "H00001", "status": "poor"}
VARS = {"load": {"household": HOUSEHOLD, "helpers": [], "open": []}}


def _shown(text: Any, ctx: Ctx) -> str | None:
    """A step's prompt or help as shown, or None when it needs data the test does not have."""
    if not text:
        return None
    if not callable(text):
        return ctx.t(text)
    try:
        return text(ctx)
    except (KeyError, TypeError, IndexError, AttributeError):
        return None


def test_no_step_text_tells_a_chat_without_buttons_to_press() -> None:
    pressed_on_buttons = []
    for fl in FLOWS:
        for step in fl.steps.values():
            for name in ("prompt", "help"):
                text = getattr(step, name)
                for zalo in (True, False):
                    ctx = Ctx(VI, dict(ANSWERS), dict(VARS), USER, NOW, numbered=zalo)
                    shown = _shown(text, ctx)
                    if shown is None:
                        continue
                    if zalo:
                        assert "bấm" not in shown.lower(), f"{fl.id}.{step.id}.{name}: {shown}"
                    elif "bấm" in shown.lower():
                        pressed_on_buttons.append(f"{fl.id}.{step.id}.{name}")
    # The sweep does see the texts that have both wordings (Telegram keeps "bấm").
    assert {
        "meeting.date.prompt",
        "round.day.prompt",
        "review.pick.help",
        "support.value.prompt",
        "assign.supporter.prompt",
        "onboarding.household.prompt",
    } <= set(pressed_on_buttons)
