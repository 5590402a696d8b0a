"""Which button an inbound message presses.

Buttons carry the number of the question that showed them ("yes~12"), so one left on an older
message is recognised as such. Telegram sends the id of the pressed button. A chat without
buttons (Zalo) sees each choice as a "1. Label" line and types "1", "số 1" or the label. The
list a number belongs to is the last message with choices the chat was sent — the current
question, a menu, the Help and Cancel offered after retries, or a notice pushed outside the
conversation ("1. Xem xét") — kept in the session (`Session.offered`), so the number maps back
to the very id that message's button carries, and from there on it is a button press.

Where the answer is itself a number ("4" people, "2 triệu", the votes in favour), a number cannot
also pick a choice: the choices shown with such a question carry letters ("a. 2 người (như đã
đăng ký)"), and there a letter or a whole label picks one, a number is the answer.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import replace

from conversations.inputs import match_choice
from conversations.model import Choice, Outbound
from domain.i18n import fold

# Steps where a typed number is the answer itself ("4" people, "2 triệu"): there only a whole
# label picks a choice from the list.
NUMBER_KINDS = ("number", "money")


def stamp(message: Outbound, seq: int) -> Outbound:
    """The message with each button's id stamped with the question number."""
    if not message.choices:
        return message
    return replace(message, choices=tuple(replace(c, id=f"{c.id}~{seq}") for c in message.choices))


def unstamp(choice: str | None, seq: int) -> str | None:
    """The pressed button's id; one from an earlier question keeps its stamp, so it matches
    nothing and is explained as an old button. Buttons that start a task work from anywhere."""
    if choice is None or "~" not in choice:
        return choice  # a button made outside the engine (a notice) or before stamps existed
    bare, _, number = choice.rpartition("~")
    return bare if number == str(seq) or bare.startswith("flow:") else choice


def lettered(message: Outbound, first: int = 0) -> Outbound:
    """The message with its choices keyed "a", "b", … (from the `first` letter on)."""
    if not message.choices or first + len(message.choices) > len(string.ascii_lowercase):
        return message
    keys = string.ascii_lowercase[first:]
    keyed = (replace(c, key=k) for c, k in zip(message.choices, keys, strict=False))
    return replace(message, choices=tuple(keyed))


def pairs(choices: Sequence[Choice]) -> list[list[str]]:
    """Choices as kept in the session and with a turn's replies: [id, label] or [id, label, key]."""
    return [[c.id, c.label, c.key] if c.key else [c.id, c.label] for c in choices]


def choices_of(stored: Sequence[Sequence[str]]) -> tuple[Choice, ...]:
    """pairs' inverse."""
    return tuple(Choice(str(c[0]), str(c[1]), str(c[2]) if len(c) > 2 else None) for c in stored)


def offered(messages: Sequence[Outbound]) -> list[list[str]]:
    """The choices of the last message with choices (as `pairs`); empty when none has any."""
    for message in reversed(messages):
        if message.choices:
            return pairs(message.choices)
    return []


def typed_choice(
    text: str, offered: Sequence[Sequence[str]], *, step_kind: str | None
) -> str | None:
    """The id a typed number (letter, where the list has letters) or whole label picks from the
    offered list, else None.

    No label prefixes here ("xem" for "Xem xét"): the list may be a notice that has nothing to do
    with the question being answered, and a name typed there must stay a name."""
    choices = choices_of(offered)
    if any(c.key for c in choices):
        key = fold(text).rstrip(".)").strip()
        for choice in choices:
            if choice.key and key == choice.key:
                return choice.id
        return match_choice(text, choices, numbers=False, prefixes=False)
    return match_choice(text, choices, numbers=step_kind not in NUMBER_KINDS, prefixes=False)
