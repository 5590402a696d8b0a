"""One contract, every channel: what a user receives from `send` and `typing` on Telegram, Zalo and
the simulator. Telegram and Zalo run their real clients against the fake servers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from bot.channels.base import Channel
from bot.channels.simulator import SimulatorChannel
from bot.channels.telegram import TelegramChannel, TelegramConfig
from bot.channels.zalo import ZaloChannel, ZaloConfig
from conversations.inputs import match_choice
from conversations.model import Choice, Outbound
from storage.models import CHANNELS
from tests.channels.fakes import TELEGRAM_TOKEN, ZALO_TOKEN, FakeTelegram, FakeZalo

CHAT = "7001"
CHOICES = (Choice("yes", "Có"), Choice("no", "Không"), Choice("later", "Để sau"))


@dataclass
class Seen:
    text: str
    buttons: list[tuple[str, str]]  # (label, choice id)


@dataclass
class Harness:
    channel: Channel
    received: Callable[[], list[Seen]]  # what the user has received so far, in order
    typing_shown: Callable[[], bool]


@pytest.fixture(params=["telegram", "zalo", "simulator"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "telegram":
        tg = FakeTelegram()
        await tg.start()
        telegram = TelegramChannel(TelegramConfig(token=TELEGRAM_TOKEN, api_base=tg.url))
        yield Harness(
            telegram,
            lambda: [Seen(m["text"], [(t, i) for t, i in tg.buttons(m)]) for m in tg.sent()],
            lambda: [c.params["action"] for c in tg.called("sendChatAction")] == ["typing"],
        )
        await telegram.stop()
        await tg.stop()
    elif request.param == "zalo":
        zl = FakeZalo()
        await zl.start()
        zalo = ZaloChannel(ZaloConfig(token=ZALO_TOKEN, api_base=zl.url))
        yield Harness(
            zalo,
            lambda: [Seen(text, []) for text in zl.sent()],
            lambda: (
                [c.params for c in zl.called("sendChatAction")]
                == [{"chat_id": CHAT, "action": "typing"}]
            ),
        )
        await zalo.stop()
        await zl.stop()
    else:
        sim = SimulatorChannel()
        inbox: list[Seen] = []

        def received() -> list[Seen]:
            for m in sim.drain(CHAT):
                inbox.append(Seen(m["text"], [(c["label"], c["id"]) for c in m["choices"]]))
            return inbox

        yield Harness(sim, received, lambda: True)


def _picks(seen: Seen, channel: Channel) -> dict[str, str]:
    """label -> the choice id the user ends up giving, by pressing or by typing the number."""
    if channel.buttons:
        return dict(seen.buttons)
    picks = {}
    for number, label in re.findall(r"^(\d+)\. (.+)$", seen.text, flags=re.MULTILINE):
        picked = match_choice(number, CHOICES)
        assert picked is not None
        picks[label] = picked
    return picks


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


async def test_a_channel_says_what_it_can(harness: Harness) -> None:
    channel = harness.channel
    assert isinstance(channel, Channel)
    assert channel.name in CHANNELS
    assert isinstance(channel.buttons, bool) and channel.max_length >= 1000


async def test_plain_text_arrives_unchanged(harness: Harness) -> None:
    text = "Hộ ông Nguyễn Văn Bình (Thôn Đông) đã được ghi nhận.\nCảm ơn bạn!"
    await harness.channel.send(CHAT, Outbound(text))
    [seen] = harness.received()
    assert seen.text == text and seen.buttons == []


async def test_every_choice_can_be_picked(harness: Harness) -> None:
    await harness.channel.send(CHAT, Outbound("Hộ này có thoát nghèo không?", CHOICES))
    [seen] = harness.received()
    assert seen.text.startswith("Hộ này có thoát nghèo không?")
    assert _picks(seen, harness.channel) == {c.label: c.id for c in CHOICES}
    if not harness.channel.buttons:
        assert seen.text.endswith("(Trả lời bằng số)")


async def test_a_numbered_hint_follows_the_recipients_language(harness: Harness) -> None:
    await harness.channel.send(CHAT, Outbound("Continue?", CHOICES), locale="en")
    [seen] = harness.received()
    if not harness.channel.buttons:
        assert seen.text.endswith("(Reply with the number of your choice.)")


async def test_a_long_text_is_split_within_the_limit(harness: Harness) -> None:
    limit = harness.channel.max_length
    paragraph = "Thôn Đông báo cáo hộ mới phát sinh nghèo trong tháng. " * 12
    text = "\n\n".join(f"Đoạn {n}: {paragraph.strip()}" for n in range(1, 60))
    text = text[: int(limit * 2.5)]
    await harness.channel.send(CHAT, Outbound(text, CHOICES))
    seen = harness.received()
    assert len(seen) >= 3
    assert all(len(s.text) <= limit for s in seen)
    # Nothing lost or reordered; the choices come once, with the last piece.
    assert _squash("".join(s.text for s in seen)).startswith(_squash(text))
    assert all(not s.buttons for s in seen[:-1])
    assert _picks(seen[-1], harness.channel) == {c.label: c.id for c in CHOICES}
    # Cuts fall between words, never inside one.
    assert all(re.search(re.escape(s.text) + r"\s", text) for s in seen[:-1])


async def test_typing_is_shown(harness: Harness) -> None:
    await harness.channel.typing(CHAT)
    assert harness.typing_shown()
    assert harness.received() == []
