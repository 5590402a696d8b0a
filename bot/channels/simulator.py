"""The web chat simulator channel: replies go back in the HTTP response; pushes wait in an inbox."""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

from bot.channels.base import Files
from bot.channels.render import split_text
from conversations.model import Choice, Outbound

CHANNEL = "simulator"
INBOX_LIMIT = 200
# How the checklist marks a ticked item (conversations.answers.checklist). The page draws a
# ticked button by its style too: without a colour-emoji font the mark is only a box.
TICKED = "✅"


def _choice(choice: Choice) -> dict[str, Any]:
    """A button; a ticked checklist item says so ("picked"), for the page to draw it ticked;
    the letter a chat without buttons types for it, where it has one ("key")."""
    out: dict[str, Any] = {"id": choice.id, "label": choice.label}
    if choice.key:
        out["key"] = choice.key
    if choice.label.startswith(TICKED):
        out["picked"] = True
    return out


def render(message: Outbound, files: Files | None = None) -> dict[str, Any]:
    """A message for the page; an attachment becomes a download link the page shows (a path on
    this server, signed and short-lived like Zalo's)."""
    out: dict[str, Any] = {
        "text": message.text,
        "choices": [_choice(c) for c in message.choices],
    }
    att = message.attachment
    if att is not None:
        out["document"] = {
            "title": att.title,
            "url": files.link(att, absolute=False) if files is not None else None,
        }
    return out


def stored(rendered: dict[str, Any]) -> Outbound:
    """The message back from its rendered form."""
    choices = tuple(Choice(c["id"], c["label"], c.get("key")) for c in rendered["choices"])
    return Outbound(rendered["text"], choices)


class SimulatorChannel:
    """Messages pushed outside a request (notifications) are kept per chat until fetched."""

    name = CHANNEL
    buttons = True
    max_length = 4096

    def __init__(self, *, files: Files | None = None) -> None:
        self.files = files
        self._inbox: dict[str, deque[dict[str, Any]]] = defaultdict(
            lambda: deque(maxlen=INBOX_LIMIT)
        )

    async def send(self, chat_id: str, message: Outbound, *, locale: str = "vi") -> None:
        parts = split_text(message.text, self.max_length)
        for part in parts[:-1]:
            self._inbox[chat_id].append(render(Outbound(part)))
        last = Outbound(parts[-1], message.choices, message.attachment)
        self._inbox[chat_id].append(render(last, self.files))

    def render(self, message: Outbound) -> dict[str, Any]:
        return render(message, self.files)

    async def typing(self, chat_id: str) -> None:
        """The web page shows its own indicator while a request is in flight."""

    def drain(self, chat_id: str) -> list[dict[str, Any]]:
        box = self._inbox.pop(chat_id, None)
        return list(box) if box else []
