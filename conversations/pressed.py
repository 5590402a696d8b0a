"""Which button an inbound message presses.

Buttons carry the number of the question that showed them ("yes~12"), so one left on an older
message is recognised as such. Telegram sends the id of the pressed button. A chat without
buttons (Zalo) sees each choice as a "1. Label" line and types "1", "số 1" or the label. The
list a number belongs to is the last message with choices the chat was sent — the current
question, a menu, the Help and Cancel offered after retries, or a notice pushed outside the
conversation ("1. Xem xét") — kept in the session (`Session.offered`), so the number maps back
to the very id that message's button carries, and from there on it is a button press.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from conversations.inputs import match_choice
from conversations.model import Choice, Outbound

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


def offered(messages: Sequence[Outbound]) -> list[list[str]]:
    """The [id, label] pairs of the last message with choices; empty when none has any."""
    for message in reversed(messages):
        if message.choices:
            return [[c.id, c.label] for c in message.choices]
    return []


def typed_choice(
    text: str, offered: Sequence[Sequence[str]], *, step_kind: str | None
) -> str | None:
    """The id a typed number or whole label picks from the offered list, else None.

    No label prefixes here ("xem" for "Xem xét"): the list may be a notice that has nothing to do
    with the question being answered, and a name typed there must stay a name."""
    choices = tuple(Choice(str(i), str(label)) for i, label in offered)
    return match_choice(text, choices, numbers=step_kind not in NUMBER_KINDS, prefixes=False)
