"""The Bot API reply classes are built once per process, not again after every garbage collection
(see RESPONSE_TYPES in bot/channels/telegram.py: rebuilding them cost a seventh of the server's
time in bench/webhook.py)."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from pydantic._internal import _model_construction

from bot.channels.telegram import TelegramChannel, TelegramConfig
from conversations.model import Choice, Outbound
from tests.channels.fakes import TELEGRAM_TOKEN, FakeTelegram


async def test_replies_are_read_without_building_pydantic_classes(
    fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = TelegramChannel(TelegramConfig(token=TELEGRAM_TOKEN, api_base=fake_telegram.url))
    await channel.send("7001", Outbound("warm-up", (Choice("a", "A"),)))
    built: list[Any] = []
    complete = _model_construction.complete_model_class

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(args[0])
        return complete(*args, **kwargs)

    monkeypatch.setattr(_model_construction, "complete_model_class", counting)
    try:
        for n in range(5):
            # sendMessage, and editMessageReplyMarkup for the keyboard of the one before
            await channel.send("7001", Outbound(f"question {n}", (Choice("a", "A"),)))
            await channel.typing("7001")
            gc.collect()  # what a busy server's allocations trigger all the time
    finally:
        await channel.stop()
    assert len(fake_telegram.called("sendMessage")) == 6
    assert len(fake_telegram.called("editMessageReplyMarkup")) == 5
    assert built == []
