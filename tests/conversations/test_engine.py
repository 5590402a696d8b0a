"""The engine alone: pure, JSON-safe sessions, choices typed as numbers or labels, retries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from conversations.engine import Engine
from conversations.inputs import match_choice, parse_phone
from conversations.model import Choice, Inbound, Invalid, Session, Step, flow
from domain.i18n import N_

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
COLOURS = (Choice("red", "Đỏ"), Choice("green", "Xanh lá"), Choice("done", "Hoàn thành"))

DEMO = flow(
    "demo",
    N_("account linking"),
    [
        Step("colour", "choice", N_("Yes"), choices=lambda ctx: COLOURS, next="phone"),
        Step("phone", "phone", N_("No"), next="saved"),
        Step("saved", "action", action="save", next="end"),
        Step("end", "message", lambda ctx: f"saved {ctx.vars['saved']['id']}"),
    ],
    command="/demo",
)
ENGINE = Engine([DEMO])


def turn(session: Session, text: str | None = None, choice: str | None = None):  # type: ignore[no-untyped-def]
    return ENGINE.resume(session, Inbound(now=NOW, text=text, choice=choice), {})


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2", "green"),
        ("2.", "green"),
        ("số 2", "green"),
        ("so 2", "green"),
        ("xanh la", "green"),
        ("XANH LÁ", "green"),
        ("hoan", "done"),
        ("4", None),
        ("0", None),
        ("xa", None),
        ("", None),
    ],
)
def test_typed_choices_map_back_to_ids(typed: str, expected: str | None) -> None:
    assert match_choice(typed, COLOURS) == expected


@pytest.mark.parametrize("typed", ["0912345678", "091 234 5678", "+84912345678", "84912345678"])
def test_vietnamese_phone_numbers(typed: str) -> None:
    assert parse_phone(typed) == "0912345678"


@pytest.mark.parametrize("typed", ["12345", "0912", "abc", "+1 555 0100"])
def test_bad_phone_numbers(typed: str) -> None:
    with pytest.raises(Invalid):
        parse_phone(typed)


def test_a_whole_flow_with_an_action_and_a_json_round_trip() -> None:
    t = turn(Session(), "/demo")
    assert bare(t.messages[0].choices) == COLOURS
    t = turn(Session.from_json(json.loads(json.dumps(t.session.to_json()))), "2")
    assert t.session.answers == {"colour": "green"}
    t = turn(t.session, "0912 345 678")
    assert t.action == {"name": "save", "args": {}}
    t = ENGINE.resume(t.session, Inbound(now=NOW, action_result={"id": 7}), {})
    assert [m.text for m in t.messages] == ["saved 7"]
    assert t.session.flow is None  # finished


def test_resume_does_not_mutate_the_given_session() -> None:
    s = turn(Session(), "/demo").session
    before = json.dumps(s.to_json())
    turn(s, "1")
    assert json.dumps(s.to_json()) == before


def test_bad_answers_keep_earlier_answers_and_offer_help_after_three() -> None:
    s = turn(turn(Session(), "/demo").session, "1").session
    for attempt in range(1, 4):
        t = turn(s, "not a phone")
        s = t.session
        assert s.answers == {"colour": "red"} and s.step == "phone"
        ids = [c.id for c in bare(t.messages[0].choices)]
        assert ("_help" in ids) == (attempt == 3)
    t = turn(s, choice="_cancel")
    assert t.session.flow is None


def bare(choices: tuple[Choice, ...]) -> tuple[Choice, ...]:
    """The buttons without the question number the engine stamps on them."""
    return tuple(Choice(c.id.rpartition("~")[0], c.label) for c in choices)


def test_buttons_carry_the_question_they_belong_to() -> None:
    first = turn(Session(), "/demo")
    red = next(c.id for c in first.messages[0].choices if c.id.startswith("red~"))
    again = turn(first.session, "not a colour")  # the same question asked again: same stamp
    assert red in {c.id for c in again.messages[0].choices}
    assert turn(again.session, choice=red).session.answers == {"colour": "red"}


def test_an_old_button_with_the_same_id_does_not_answer_a_later_question() -> None:
    """Where an old keyboard stays visible (another worker sent the next question, or removing
    it failed), its "Yes" must not answer the next yes/no question."""
    twice = flow(
        "twice",
        N_("account linking"),
        [
            Step("first", "yesno", N_("Yes"), next="second"),
            Step("second", "yesno", N_("No"), next="end"),
            Step("end", "message", lambda ctx: str(ctx.answers)),
        ],
        command="/twice",
    )
    engine = Engine([twice])
    asked = engine.resume(Session(), Inbound(now=NOW, text="/twice"), {})
    yes_first = asked.messages[0].choices[0].id
    second = engine.resume(asked.session, Inbound(now=NOW, choice=yes_first), {})
    assert second.session.step == "second" and second.session.answers == {"first": True}
    old = engine.resume(second.session, Inbound(now=NOW, choice=yes_first), {})
    assert old.session.step == "second" and old.session.answers == {"first": True}
    assert "câu hỏi trước" in old.messages[0].text
    yes_second = second.messages[0].choices[0].id
    done = engine.resume(old.session, Inbound(now=NOW, choice=yes_second), {})
    assert done.session.flow is None and done.messages[-1].text == str(
        {"first": True, "second": True}
    )


def test_a_stale_button_is_explained_not_taken() -> None:
    s = turn(turn(Session(), "/demo").session, "1").session  # now at the phone step
    t = turn(s, choice="green")
    assert t.session.answers == {"colour": "red"} and t.session.step == "phone"
    assert "earlier question" in t.messages[0].text or "câu hỏi trước" in t.messages[0].text


def test_retyping_a_data_entry_command_mid_flow_asks_before_dropping_the_answers() -> None:
    """Regression (found by fuzzing): "/baocao" typed again mid-report silently started a new
    report and the answers already given were gone."""
    entry = flow(
        "entry",
        N_("account linking"),
        [
            Step("colour", "choice", N_("Yes"), choices=lambda ctx: COLOURS, next="phone"),
            Step("phone", "phone", N_("No")),
        ],
        command="/entry",
        ask_before_restart=True,
    )
    engine = Engine([entry, DEMO])

    def say(session: Session, text: str | None = None, choice: str | None = None) -> Session:
        return engine.resume(session, Inbound(now=NOW, text=text, choice=choice), {}).session

    s = say(say(Session(), "/entry"), "2")
    again = engine.resume(s, Inbound(now=NOW, text="/entry"), {})
    keep, switch = (c.id for c in again.messages[-1].choices)
    assert [c.id for c in bare(again.messages[-1].choices)] == ["offer:keep", "offer:switch"]
    kept = say(again.session, choice=keep)
    assert (kept.step, kept.answers) == ("phone", {"colour": "green"})
    fresh = say(again.session, choice=switch)
    assert (fresh.step, fresh.answers) == ("colour", {})
    # Nothing typed yet: the command simply starts over.
    assert say(say(Session(), "/entry"), "/entry").step == "colour"
    # A list-like flow without the flag is refreshed by its command, as before.
    s = say(say(Session(), "/demo"), "2")
    assert (s.flow, s.step) == ("demo", "phone")
    assert say(s, "/demo").step == "colour"


@pytest.mark.parametrize("typed", ["/help@chungtay_bot", "/HELP@ChungTayBot", "/trogiup@bot"])
def test_global_commands_with_the_bot_name_suffix(typed: str) -> None:
    """Regression (found by fuzzing): "/help@chungtay_bot" (Telegram adds the bot's name) was
    not help but an answer, taken as a household head's name."""
    s = turn(turn(Session(), "/demo").session, "2").session
    after = turn(s, typed)
    assert (after.session.step, after.session.answers) == ("phone", {"colour": "green"})
    assert "/back" in after.messages[-1].text  # the help text lists the commands
    cancelled = turn(s, "/cancel@chungtay_bot").session
    assert cancelled.flow is None


def test_a_button_of_the_question_that_starts_a_task_is_its_answer() -> None:
    """A registration's card offers the hamlet meeting: pressing it starts the meeting without
    asking whether to leave the card; the same task typed as a command still asks."""
    card = flow(
        "card",
        N_("account linking"),
        [
            Step(
                "pick",
                "choice",
                N_("Yes"),
                choices=lambda ctx: [Choice("flow:demo", "Họp"), Choice("back", "Quay lại")],
            )
        ],
        command="/card",
    )
    engine = Engine([card, DEMO])
    asked = engine.resume(Session(), Inbound(now=NOW, text="/card"), {})
    button = asked.messages[0].choices[0].id
    pressed = engine.resume(asked.session, Inbound(now=NOW, choice=button), {})
    assert (pressed.session.flow, pressed.session.step, pressed.session.offer) == (
        "demo",
        "colour",
        None,
    )
    # Its number typed (Zalo lists buttons numbered) starts it too.
    number = engine.resume(asked.session, Inbound(now=NOW, text="1"), {})
    assert (number.session.flow, number.session.step) == ("demo", "colour")
    typed = engine.resume(asked.session, Inbound(now=NOW, text="/demo"), {})
    assert typed.session.offer == {"flow": "demo", "arg": ""}


def test_back_does_not_go_before_what_an_action_recorded() -> None:
    recorded = flow(
        "recorded",
        N_("account linking"),
        [
            Step("colour", "choice", N_("Yes"), choices=lambda ctx: COLOURS, next="save"),
            Step("save", "action", action="save", commits=True, next="phone"),
            Step("phone", "phone", N_("No")),
        ],
        command="/recorded",
    )
    engine = Engine([recorded])
    s = engine.resume(Session(), Inbound(now=NOW, text="/recorded"), {}).session
    s = engine.resume(s, Inbound(now=NOW, text="1"), {}).session
    s = engine.resume(s, Inbound(now=NOW, action_result={"id": 1}), {}).session
    assert s.step == "phone" and s.history == []
    back = engine.resume(s, Inbound(now=NOW, text="/back"), {})
    assert back.session.step == "phone" and back.session.answers == {"colour": "red"}
    assert "không có câu hỏi nào trước đó" in back.messages[0].text
