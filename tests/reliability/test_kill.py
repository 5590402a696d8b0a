"""kill -9 a worker in the middle of a conversation (and in the middle of a turn): the next update,
to a fresh process, continues from the saved step and the stored report has every answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.services import Services
from storage.models import ConversationSession
from storage.models_register import Household, Submission
from tests.channels.fakes import FakeTelegram
from tests.reliability.support import link_chat
from tests.reliability.workers import start_worker
from tests.support import make_household, seed_units

USER = 7001


async def _session(services: Services) -> ConversationSession:
    async with services.sessionmaker() as db:
        stmt = select(ConversationSession).where(
            ConversationSession.channel == "telegram", ConversationSession.chat_id == str(USER)
        )
        return (await db.execute(stmt)).scalar_one()


async def test_kill_9_mid_conversation_then_continue_on_a_fresh_process(
    services: Services, db_url: str, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    fake = fake_telegram
    await seed_units(services)
    await link_chat(services, "telegram", str(USER), "37-GIAVIEN-01", "Nguyễn Văn An")
    code = await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "near_poor")
    log = tmp_path / "workers.log"

    first = await start_worker(db_url, fake, log)
    try:
        for text in ("/baocao", "1", "le thi mai", "4 triệu"):
            assert await first.post_update(fake.text(text, user=USER)) == 200
        assert "Hộ có bao nhiêu nhân khẩu?" in fake.sent(USER)[-1]["text"]
        # The answer to "how many members" is in flight when the worker is killed: it may or may
        # not have been committed. Telegram got no 200, so it delivers the update again.
        members = fake.text("4", user=USER)
        in_flight = asyncio.ensure_future(first.post_update(members))
        await asyncio.sleep(0.05)
        first.kill()
        await asyncio.gather(in_flight, return_exceptions=True)
    finally:
        await first.stop()

    second = await start_worker(db_url, fake, log)
    try:
        assert await second.deliver(members) == 200  # the redelivery
        row = await _session(services)
        assert (row.flow, row.step) == ("report", "deprived")
        assert row.state["answers"]["income"] == 4_000_000
        for text in (
            "4 9 10",
            "xong",
            "1",
            "1",
        ):  # three deprivations, done, the first cause, submit
            assert await second.post_update(fake.text(text, user=USER)) == 200
        assert "Đã gửi báo cáo. Mã tham chiếu: BC-" in fake.sent(USER)[-1]["text"]
    finally:
        await second.stop()

    async with services.sessionmaker() as db:
        stored = (await db.execute(select(Submission))).scalars().all()
        household = (
            await db.execute(select(Household).where(Household.code == code))
        ).scalar_one_or_none()
    assert len(stored) == 1
    answers = stored[0].answers
    assert answers["kind"] == "newly_poor"
    assert household is not None and stored[0].household_id == household.id
    assert answers["income"] == 4_000_000
    assert answers["members"] == 4
    assert answers["deprived"] == ["health_insurance", "water", "latrine"]
    assert answers["cause"] == "no_capital"


async def test_kill_9_between_commit_and_reply_then_the_redelivery_replies_once(
    services: Services, db_url: str, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """The turn is committed, its reply is on its way to the Bot API when the worker dies: the
    platform's redelivery sends the stored reply (once), and does not run the turn again."""
    fake = fake_telegram
    await seed_units(services)
    await link_chat(services, "telegram", str(USER), "37-GIAVIEN-01", "Nguyễn Văn An")
    await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "near_poor")
    log = tmp_path / "workers.log"

    first = await start_worker(db_url, fake, log)
    try:
        assert await first.post_update(fake.text("/baocao", user=USER)) == 200
        before = await _session(services)
        sent_before = len(fake.sent(USER))
        fake.hanging.add("sendMessage")  # the reply never reaches the chat
        answer = fake.text("1", user=USER)
        in_flight = asyncio.ensure_future(first.post_update(answer))
        await fake.wait_for(lambda: fake.called("sendMessage", failed=True))
        first.kill()
        await asyncio.gather(in_flight, return_exceptions=True)
    finally:
        await first.stop()
    fake.hanging.clear()
    committed = await _session(services)
    assert committed.version == before.version + 1  # the turn was saved before the reply
    assert len(fake.sent(USER)) == sent_before

    second = await start_worker(db_url, fake, log)
    try:
        assert await second.deliver(answer) == 200  # Telegram saw no 200: it sends it again
        assert await second.deliver(answer) == 200  # and once more, later: nothing new
    finally:
        await second.stop()
    replies = fake.sent(USER)[sent_before:]
    [lost] = [c.params for c in fake.called("sendMessage", failed=True)]
    assert [r["text"] for r in replies] == [lost["text"]]
    assert (await _session(services)).version == committed.version  # not run again
