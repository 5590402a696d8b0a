"""The outbox sender: rate, per-chat pacing, retries, a stop mid fan-out, two senders at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.channels.base import ChannelError, RecipientGone
from bot.delivery import Sender
from bot.services import Services
from conversations.model import Outbound
from storage import sessions
from storage.db import transaction
from storage.models import ChannelAccount, ConversationSession
from storage.models_outbox import OutboxMessage
from tests.support import link_person, seed_units

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


class Recorder:
    """A channel that records what reaches each chat; it can fail for chosen chats."""

    name = "fake"
    buttons = True
    max_length = 4096

    def __init__(self, *, delay: float = 0.0) -> None:
        self.got: Counter[str] = Counter()
        self.delay = delay
        self.blocked: set[str] = set()
        self.flaky: Counter[str] = Counter()  # chat -> failures still to give
        self.reached = asyncio.Event()
        self.reach_after = 10**9

    async def send(self, chat_id: str, message: Outbound, *, locale: str = "vi") -> None:
        if chat_id in self.blocked:
            raise RecipientGone("fake", chat_id, "blocked")
        if self.flaky[chat_id]:
            self.flaky[chat_id] -= 1
            raise ChannelError("502 from the server")
        self.got[chat_id] += 1
        if sum(self.got.values()) >= self.reach_after:
            self.reached.set()
        if self.delay:
            await asyncio.sleep(self.delay)

    async def typing(self, chat_id: str) -> None:
        return None


async def fill(services: Services, n: int, *, chat_prefix: str = "c") -> None:
    async with transaction(services.sessionmaker) as db:
        for i in range(n):
            db.add(
                OutboxMessage(
                    key=f"k{i}",
                    rule="test",
                    channel="fake",
                    chat_id=f"{chat_prefix}{i}",
                    text=f"hello {i}",
                    due_at=NOW,
                )
            )


async def statuses(services: Services) -> Counter[str]:
    async with services.sessionmaker() as db:
        return Counter((await db.execute(select(OutboxMessage.status))).scalars())


def sender(services: Services, channel: Recorder, **kw: object) -> Sender:
    return Sender(services.sessionmaker, {"fake": channel}, clock=lambda: NOW, **kw)  # type: ignore[arg-type]


async def test_stopped_mid_fan_out_the_rest_go_out_none_twice(services: Services) -> None:
    channel = Recorder(delay=0.005)
    channel.reach_after = 15
    await fill(services, 120)
    first = sender(services, channel, rate_per_s=10_000, concurrency=4, batch=50)
    task = asyncio.create_task(first.drain())
    await channel.reached.wait()
    task.cancel()  # the process stops in the middle of a batch
    with pytest.raises(asyncio.CancelledError):
        await task
    restarted = sender(services, channel, rate_per_s=10_000, concurrency=4, batch=50)
    uncertain = (await restarted.recover(stale=None)).uncertain
    await restarted.drain()
    counts = await statuses(services)
    assert max(channel.got.values()) == 1  # nobody got a message twice
    assert counts["sent"] + counts["uncertain"] == 120 and counts["uncertain"] == uncertain
    # "Uncertain" rows were in flight: never re-sent. Outcomes are written as they come.
    assert uncertain <= 4
    assert len(channel.got) >= 120 - 4  # at most the 4 messages in flight can be missing


async def test_two_senders_share_the_work_without_doubles(services: Services) -> None:
    channel = Recorder(delay=0.001)
    await fill(services, 200)
    a = sender(services, channel, rate_per_s=10_000, batch=20)
    b = sender(services, channel, rate_per_s=10_000, batch=20)
    await asyncio.gather(a.drain(), b.drain())
    assert len(channel.got) == 200 and max(channel.got.values()) == 1
    assert (await statuses(services))["sent"] == 200


async def test_global_rate_and_one_message_per_chat_per_second(services: Services) -> None:
    channel = Recorder()
    async with transaction(services.sessionmaker) as db:
        for i in range(3):  # three messages for the same chat
            db.add(
                OutboxMessage(
                    key=f"same{i}", rule="t", channel="fake", chat_id="one", text="x", due_at=NOW
                )
            )
    loop = asyncio.get_running_loop()
    start = loop.time()
    await sender(services, channel, rate_per_s=1000, per_chat_interval=0.2).drain()
    assert channel.got["one"] == 3 and loop.time() - start >= 0.4  # paced, not burst
    await fill(services, 30, chat_prefix="r")
    start = loop.time()
    await sender(services, channel, rate_per_s=20).drain()
    assert loop.time() - start >= 1.0  # 30 at 20 per second: the last 10 wait for the next second


async def test_server_errors_back_off_then_succeed(services: Services) -> None:
    channel = Recorder()
    channel.flaky["c0"] = 1
    await fill(services, 1)
    s = sender(services, channel)
    stats = await s.drain()
    assert stats.retried == 1 and channel.got["c0"] == 0
    async with services.sessionmaker() as db:
        row = (await db.execute(select(OutboxMessage))).scalar_one()
        assert row.status == "pending" and row.due_at == NOW + timedelta(seconds=30)
        assert "502" in (row.last_error or "")
    later = Sender(
        services.sessionmaker, {"fake": channel}, clock=lambda: NOW + timedelta(seconds=31)
    )  # type: ignore[dict-item]
    assert (await later.drain()).sent == 1


async def test_a_blocked_chat_is_marked_inactive_and_the_officer_told(services: Services) -> None:
    await seed_units(services)
    head = await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", "an")
    await link_person(services, "officer", "37-GIAVIEN", "Trần Thị Bình", "binh")
    async with transaction(services.sessionmaker) as db:
        db.add(
            OutboxMessage(
                key="r1",
                rule="before-3",
                person_id=head,
                channel="simulator",
                chat_id="an",
                text="Nhắc việc",
                due_at=NOW,
            )
        )
        (
            await db.execute(select(ChannelAccount).where(ChannelAccount.chat_id == "an"))
        ).scalar_one().channel = "simulator"
    sim = services.channels["simulator"]
    original = sim.send

    async def refuse(chat_id: str, message: Outbound, *, locale: str = "vi") -> None:
        if chat_id == "an":
            raise RecipientGone("simulator", chat_id, "blocked")
        await original(chat_id, message, locale=locale)

    sim.send = refuse  # type: ignore[method-assign]
    s = Sender(services.sessionmaker, services.channels, clock=lambda: NOW)
    await s.drain()
    async with services.sessionmaker() as db:
        account = (
            await db.execute(select(ChannelAccount).where(ChannelAccount.chat_id == "an"))
        ).scalar_one()
        assert account.active is False
    told = sim.drain("binh")  # type: ignore[attr-defined]
    assert len(told) == 1 and "Nguyễn Văn An (Thôn Đông) đã chặn bot" in told[0]["text"]


async def test_a_sent_message_with_choices_is_what_the_chat_was_last_offered(
    services: Services,
) -> None:
    """So that on Zalo "1" typed after a notice presses its button (the session keeps it, so a
    restart does not lose it); a failed send, a chat that never wrote, a message without
    choices leave the session as it was."""
    async with transaction(services.sessionmaker) as db:
        for chat in ("c0", "c1"):
            row = await sessions.load_for_update(db, channel="fake", chat_id=chat)
            await sessions.save(
                db, row, {"flow": "report", "step": "income"}, now=NOW, expires_at=None
            )
        button = [["flow:exit_review:TN-ABC123", "Xem xét"]]
        rows = [("c0", button), ("c0", []), ("c1", button), ("c2", button)]
        for n, (chat, choices) in enumerate(rows):
            db.add(
                OutboxMessage(
                    key=f"n{n}", rule="notice", channel="fake", chat_id=chat, text=f"notice {n}",
                    choices=choices, due_at=NOW + timedelta(microseconds=n),
                )
            )  # fmt: skip
    channel = Recorder()
    channel.flaky["c1"] = 5
    await sender(services, channel, per_chat_interval=0).drain()
    async with services.sessionmaker() as db:
        states = {
            s.chat_id: s.state for s in (await db.execute(select(ConversationSession))).scalars()
        }
    assert states["c0"] == {"flow": "report", "step": "income", "offered": button}
    assert "offered" not in states["c1"]  # not delivered (yet)
    assert "c2" not in states  # never wrote to the bot: no session made for it


async def test_a_notice_to_a_chat_without_buttons_mid_question_goes_by_letter(
    services: Services,
) -> None:
    """Its numbers stay the question's: the notice is sent as "a. Xem xét" and kept apart; to
    an idle chat it goes numbered and takes the numbers."""
    async with transaction(services.sessionmaker) as db:
        asked = {"flow": "report", "step": "members", "offered": [["keep~3", "4 người", "a"]]}
        for chat, state in (("busy", asked), ("idle", {"locale": "vi"})):
            row = await sessions.load_for_update(db, channel="fake", chat_id=chat)
            await sessions.save(db, row, state, now=NOW, expires_at=None)
        button = [["flow:exit_review:TN-ABC123", "Xem xét"]]
        for n, chat in enumerate(("busy", "idle")):
            db.add(
                OutboxMessage(
                    key=f"n{n}", rule="notice", channel="fake", chat_id=chat, text="notice",
                    choices=button, due_at=NOW - timedelta(seconds=n),
                )
            )  # fmt: skip
    channel = Recorder()
    channel.buttons = False  # type: ignore[misc]
    await sender(services, channel, per_chat_interval=0).drain()
    async with services.sessionmaker() as db:
        states = {
            s.chat_id: s.state for s in (await db.execute(select(ConversationSession))).scalars()
        }
    assert states["busy"]["offered"] == asked["offered"]
    assert states["busy"]["notice_offered"] == [["flow:exit_review:TN-ABC123", "Xem xét", "b"]]
    assert states["idle"]["offered"] == button and "notice_offered" not in states["idle"]
