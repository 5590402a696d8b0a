"""Database unavailable: the user is told "Hệ thống đang bận, vui lòng thử lại sau", the webhook
answers 503 so the platform delivers the update again, nothing is half-written, and once the
database is back the redelivered update is handled once, normally."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from api.webhooks import TELEGRAM_HEADER, ZALO_HEADER
from bot.services import Services, build_services
from bot.settings import Settings
from storage.models import ConversationSession, ProcessedUpdate
from tests.channels.conftest import telegram_settings, zalo_settings
from tests.channels.fakes import FakeTelegram, FakeZalo
from tests.conftest import SECRET
from tests.reliability.proxy import CuttableProxy
from tests.reliability.support import BUSY, free_port, link_chat
from tests.support import seed_units

USER = 7001
TG_SECRET = "tg-secret"
ZALO_SECRET = "zalo-secret"


@asynccontextmanager
async def webhook_app(
    database_url: str, clock: Any, **channels: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app (lifespan included) on `database_url`, with webhooks for the given fakes."""
    settings = Settings(
        database_url=database_url,
        secret_key=SECRET,  # type: ignore[arg-type]
        seed_demo=False,
        **channels,
    )
    services = build_services(settings, clock=clock)
    app = create_app(services, own_services=False)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as c,
        ):
            yield c
    finally:
        await services.aclose()


def tg_hook(fake: FakeTelegram) -> dict[str, Any]:
    return telegram_settings(
        fake,
        telegram_webhook_url="https://bot.example.vn/webhooks/telegram",
        telegram_webhook_secret=TG_SECRET,
    )


async def test_unreachable_database_tells_the_chat_and_asks_for_redelivery(
    clock: Any, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    # Nothing listens on this port: every connection is refused, as when PostgreSQL is down.
    down = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/chungtay"
    hooks = {
        **tg_hook(fake_telegram),
        **zalo_settings(
            fake_zalo,
            zalo_webhook_url="https://bot.example.vn/webhooks/zalo",
            zalo_webhook_secret=ZALO_SECRET,
        ),
    }
    async with webhook_app(down, clock, **hooks) as http:
        update = fake_telegram.text("/baocao", user=USER)
        headers = {TELEGRAM_HEADER: TG_SECRET}
        res = await http.post("/webhooks/telegram", json=update, headers=headers)
        assert res.status_code == 503 and res.headers["Retry-After"]
        assert [m["text"] for m in fake_telegram.sent(USER)] == [BUSY]
        # Telegram delivers it again while the database is still down: 503 again, told once.
        res = await http.post("/webhooks/telegram", json=update, headers=headers)
        assert res.status_code == 503
        assert len(fake_telegram.sent(USER)) == 1
        # A photo needs the database too (de-duplication): the same answer.
        res = await http.post(
            "/webhooks/telegram", json=fake_telegram.photo(user=USER), headers=headers
        )
        assert (
            res.status_code == 503 and [m["text"] for m in fake_telegram.sent(USER)] == [BUSY] * 2
        )

        # Zalo's webhook behaves the same way.
        res = await http.post(
            "/webhooks/zalo", json=fake_zalo.text("/baocao"), headers={ZALO_HEADER: ZALO_SECRET}
        )
        assert res.status_code == 503
        assert fake_zalo.sent("zu-1") == [BUSY]

        # So does the simulator: its page shows the reply of a 503.
        res = await http.post("/simulator/api/messages", json={"chat_id": "c1", "text": "/start"})
        assert res.status_code == 503
        assert res.json()["replies"] == [{"text": BUSY, "choices": []}]


async def _state(services: Services, update_id: str) -> tuple[int, dict[str, Any], int]:
    async with services.sessionmaker() as db:
        row = (
            await db.execute(
                select(ConversationSession).where(
                    ConversationSession.channel == "telegram",
                    ConversationSession.chat_id == str(USER),
                )
            )
        ).scalar_one()
        seen = await db.execute(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == update_id)
        )
        return row.version, row.state, int(seen.scalar_one())


async def test_outage_mid_conversation_then_recovery(
    services: Services, db_url: str, clock: Any, fake_telegram: FakeTelegram
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the outage is a TCP proxy in front of PostgreSQL, cut and restored")
    await seed_units(services)
    await link_chat(services, "telegram", str(USER), "37-GIAVIEN-01", "Nguyễn Văn An")
    proxy = CuttableProxy.for_url(db_url)
    await proxy.start()
    fake = fake_telegram
    headers = {TELEGRAM_HEADER: TG_SECRET}
    try:
        async with webhook_app(proxy.url(db_url), clock, **tg_hook(fake)) as http:

            async def post(update: dict[str, Any]) -> int:
                res = await http.post("/webhooks/telegram", json=update, headers=headers)
                return res.status_code

            assert await post(fake.text("/baocao", user=USER)) == 200
            assert "Hộ có biến động gì?" in fake.sent(USER)[-1]["text"]
            answer = fake.text("1", user=USER)  # "Nghèo phát sinh" (newly poor)
            update_id = str(answer["update_id"])
            before = await _state(services, update_id)

            await proxy.cut()
            assert await post(answer) == 503
            assert fake.sent(USER)[-1]["text"] == BUSY
            assert await post(answer) == 503  # redelivered during the outage
            assert [m["text"] for m in fake.sent(USER)].count(BUSY) == 1
            # Nothing half-written: the step, the answers and the de-duplication mark are as before.
            assert await _state(services, update_id) == before

            await proxy.restore()
            sent = len(fake.sent(USER))
            assert await post(answer) == 200  # Telegram's next redelivery: handled normally
            assert [m["text"] for m in fake.sent(USER)[sent:]] == [
                "Nhập họ tên chủ hộ hoặc mã hộ ở Thôn Đông."
            ]
            version, state, seen = await _state(services, update_id)
            assert (version, seen) == (before[0] + 1, 1)
            assert state["step"] == "find" and state["answers"]["kind"] == "newly_poor"
            assert await post(answer) == 200  # once more: a duplicate, dropped
            assert len(fake.sent(USER)) == sent + 1
    finally:
        await proxy.cut()


async def test_zalo_polling_tells_the_chat_once_while_the_database_is_down(
    clock: Any, fake_zalo: FakeZalo
) -> None:
    """Polling has no redelivery: the update is retried in-process (and dropped after the last
    try), and the chat is told "busy" once, not once per try."""
    down = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/chungtay"
    async with webhook_app(down, clock, **zalo_settings(fake_zalo)):
        fake_zalo.queue(fake_zalo.text("/baocao"))
        assert await fake_zalo.wait_for(lambda: fake_zalo.sent("zu-1")) == [BUSY]
        await asyncio.sleep(2.5)  # the second try comes 2 s after the first
        assert fake_zalo.sent("zu-1") == [BUSY]
