"""Replies are part of the turn (issue 18): kept with the update's claim until confirmed sent, so
the redelivery of an update whose worker died after committing sends them, once, without running
the turn again. Channel-neutral: the same for Zalo as for Telegram."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services import Services
from handlers.inbound import Conversations, InboundMessage
from storage.sessions import RepliesInFlight
from tests.conftest import Clock
from tests.support import make_invite, seed_units

LEASE = timedelta(seconds=30)


def _msg(text: str, update: str) -> InboundMessage:
    return InboundMessage(
        channel="zalo", chat_id="zu-1", user_id="zu-1", text=text, update_id=update
    )


def _worker(services: Services, clock: Clock) -> Conversations:
    """Another process on the same database (nothing in memory shared)."""
    c = services.conversations
    return Conversations(
        services.sessionmaker, c.engine, secret_key=c.secret_key, clock=clock, reply_lease=LEASE
    )


async def test_a_dead_workers_replies_go_out_on_redelivery(
    services: Services, clock: Clock
) -> None:
    await seed_units(services)
    code = await make_invite(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An")
    first = _worker(services, clock)
    replies = await first.handle(_msg(f"/start {code}", "u1"), hold=True)
    assert replies and "Nguyễn Văn An" in replies[0].text
    # The first worker dies here: committed, never released (never confirmed sent).
    second = _worker(services, clock)
    with pytest.raises(RepliesInFlight) as waiting:
        await second.handle(_msg(f"/start {code}", "u1"), hold=True)
    assert 1 <= waiting.value.retry_after <= LEASE.total_seconds()
    clock.advance(seconds=31)
    again = await second.handle(_msg(f"/start {code}", "u1"), hold=True)
    assert again == replies  # the same text and the same stamped buttons
    await second.released(_msg(f"/start {code}", "u1"), sent=True)
    # Sent now: later copies are plain duplicates, in any process.
    assert await second.handle(_msg(f"/start {code}", "u1"), hold=True) is None
    assert await _worker(services, clock).handle(_msg(f"/start {code}", "u1"), hold=True) is None


async def test_a_copy_while_this_process_sends_is_a_duplicate(
    services: Services, clock: Clock
) -> None:
    await seed_units(services)
    worker = _worker(services, clock)
    assert await worker.handle(_msg("/start", "u2"), hold=True)
    # Still sending (not released): the holder is alive, so a copy is simply dropped.
    assert await worker.handle(_msg("/start", "u2"), hold=True) is None
    # Sending failed: released unsent, so once the lease is over a redelivery sends them.
    await worker.released(_msg("/start", "u2"), sent=False)
    clock.advance(seconds=31)
    assert await worker.handle(_msg("/start", "u2"), hold=True)


async def test_without_hold_nothing_is_kept(services: Services, clock: Clock) -> None:
    """The web simulator answers in its HTTP response: a copy is a duplicate at once."""
    await seed_units(services)
    worker = _worker(services, clock)
    assert await worker.handle(_msg("/start", "u3"))
    assert await _worker(services, clock).handle(_msg("/start", "u3"), hold=True) is None
