"""The web chat simulator channel: replies go back in the HTTP response; pushes wait in an inbox."""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

from conversations.model import Outbound

CHANNEL = "simulator"
INBOX_LIMIT = 200


def render(message: Outbound) -> dict[str, Any]:
    return {
        "text": message.text,
        "choices": [{"id": c.id, "label": c.label} for c in message.choices],
    }


class SimulatorChannel:
    """Messages pushed outside a request (notifications) are kept per chat until fetched."""

    name = CHANNEL
    buttons = True
    max_length = 4096

    def __init__(self) -> None:
        self._inbox: dict[str, deque[dict[str, Any]]] = defaultdict(
            lambda: deque(maxlen=INBOX_LIMIT)
        )

    async def send(self, chat_id: str, message: Outbound) -> None:
        self._inbox[chat_id].append(render(message))

    def drain(self, chat_id: str) -> list[dict[str, Any]]:
        box = self._inbox.pop(chat_id, None)
        return list(box) if box else []
