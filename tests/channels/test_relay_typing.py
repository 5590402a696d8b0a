"""A slow turn shows "typing…" once, before its replies; a quick one does not."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.channels.relay import Relay
from conversations.model import Outbound
from handlers.inbound import InboundMessage


class SlowConversations:
    default_locale = "vi"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def handle(self, msg: InboundMessage, *, hold: bool = False) -> list[Outbound]:
        await asyncio.sleep(self.seconds)
        return [Outbound("Đã nhận")]

    async def released(self, msg: InboundMessage, *, sent: bool) -> None:
        pass


class Recorder:
    name = "telegram"
    buttons = True

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def typing(self, chat_id: str) -> None:
        await asyncio.sleep(0.05)  # a slow Bot API: the reply must still come after it
        self.calls.append("typing")

    async def send(self, chat_id: str, message: Outbound, **_: Any) -> None:
        self.calls.append(message.text)


async def _run(seconds: float) -> list[str]:
    relay = Relay(SlowConversations(seconds), None, typing_after=0.05)  # type: ignore[arg-type]
    channel = Recorder()
    msg = InboundMessage("telegram", "7", "7", update_id="1", text="hi")
    assert await relay.process(channel, msg)  # type: ignore[arg-type]
    return channel.calls


async def test_a_slow_turn_shows_typing_once_before_the_reply() -> None:
    assert await _run(0.3) == ["typing", "Đã nhận"]


async def test_a_quick_turn_shows_no_typing() -> None:
    assert await _run(0.0) == ["Đã nhận"]
