"""Flows run only in private chats, on every channel: a group cannot be used to borrow an
officer's session (issue 12: a stranger approved a submission through a Zalo group)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.webhooks import TELEGRAM_HEADER, ZALO_HEADER
from bot.settings import Settings
from storage.db import transaction
from storage.models import AuditLog, ChannelAccount, ConversationSession, Person
from storage.models_register import Household, Submission
from storage.orgtree import unit_by_code
from tests.channels.conftest import LiveApp, live_app, telegram_settings, zalo_settings
from tests.channels.fakes import FakeTelegram, FakeZalo
from tests.support import exit_registration_to_decide, make_household

PRIVATE_ONLY = "Vui lòng nhắn riêng cho bot."


async def _officer_with_pending(live: LiveApp, channel: str, user: str) -> int:
    """An officer of Gia Viễn linked in `channel` as `user`, and an exit registration awaiting
    the commune's decision; the submission's id."""
    services = live.services
    code = await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    async with transaction(services.sessionmaker) as db:
        commune = await unit_by_code(db, "37-GIAVIEN")
        assert commune is not None
        officer = Person(name="Trần Thị Bình", role="officer", org_unit_id=commune.id)
        db.add(officer)
        await db.flush()
        db.add(
            ChannelAccount(
                channel=channel,
                external_user_id=user,
                chat_id=user,
                person_id=officer.id,
                active=True,
            )
        )
        household = (await db.execute(select(Household).where(Household.code == code))).scalar_one()
    sub_id, _ = await exit_registration_to_decide(services, "probe", household_id=household.id)
    return sub_id


async def _untouched(live: LiveApp, submission_id: int, group: str) -> None:
    """The submission still waits, the group has no session, no audit entry lacks an actor."""
    async with live.services.sessionmaker() as db:
        sub = await db.get(Submission, submission_id)
        assert sub is not None and sub.status == "hamlet_reviewed"
        actors = (await db.execute(select(AuditLog.actor))).scalars().all()
    assert not [a for a in actors if a.endswith(":None")]
    assert await live.count(ConversationSession, chat_id=group) == 0


def _zalo_group(fake: FakeZalo, text: str, *, user: str, group: str = "grp-1") -> dict[str, Any]:
    update = fake.text(text, user=user)
    update["message"]["chat"] = {"id": group, "chat_type": "GROUP"}
    return update


async def test_zalo_group_runs_no_flow(settings: Settings, clock: Any, fake_zalo: FakeZalo) -> None:
    fake = fake_zalo
    extra = zalo_settings(
        fake,
        zalo_webhook_url="https://bot.example.vn/webhooks/zalo",
        zalo_webhook_secret="zalo-secret-1",
    )
    async with live_app(settings, clock, **extra) as live:
        sub_id = await _officer_with_pending(live, "zalo", "zu-officer")
        headers = {ZALO_HEADER: "zalo-secret-1"}

        async def post(update: dict[str, Any]) -> None:
            res = await live.http.post("/webhooks/zalo", json=update, headers=headers)
            assert res.status_code == 200

        await post(_zalo_group(fake, "/duyet", user="zu-officer"))
        assert fake.sent("grp-1") == [PRIVATE_ONLY]
        # A stranger answers what would have been the officer's questions: nothing happens.
        for answer in ("1", "1", "1", "Đồng ý"):
            await post(_zalo_group(fake, answer, user="zu-stranger"))
        assert fake.sent("grp-1") == [PRIVATE_ONLY]
        assert fake.sent("zu-stranger") == [] and fake.sent("zu-officer") == []
        await _untouched(live, sub_id, "grp-1")
        # A chat that is not the sender's own is a group too, whatever its chat_type says.
        odd = fake.text("/duyet", user="zu-officer")
        odd["message"]["chat"] = {"id": "grp-2", "chat_type": "PRIVATE"}
        await post(odd)
        assert fake.sent("grp-2") == [PRIVATE_ONLY]
        await _untouched(live, sub_id, "grp-2")


async def test_zalo_messages_from_bots_are_ignored(
    settings: Settings, clock: Any, fake_zalo: FakeZalo
) -> None:
    fake = fake_zalo
    extra = zalo_settings(
        fake,
        zalo_webhook_url="https://bot.example.vn/webhooks/zalo",
        zalo_webhook_secret="zalo-secret-1",
    )
    async with live_app(settings, clock, **extra) as live:
        update = fake.text("/start", user="zu-bot")
        update["message"]["from"]["is_bot"] = True
        res = await live.http.post(
            "/webhooks/zalo", json=update, headers={ZALO_HEADER: "zalo-secret-1"}
        )
        assert res.status_code == 200
        assert fake.sent() == [] and await live.processed() == 0


def _tg_group(update: dict[str, Any], group: int = -100123) -> dict[str, Any]:
    chat = {"id": group, "type": "supergroup", "title": "Thôn Đông"}
    if "message" in update:
        update["message"]["chat"] = chat
    else:
        update["callback_query"]["message"]["chat"] = chat
    return update


async def test_telegram_group_runs_no_flow(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    extra = telegram_settings(
        fake, telegram_webhook_url="https://bot.example.vn/hook", telegram_webhook_secret="k"
    )
    async with live_app(settings, clock, **extra) as live:
        sub_id = await _officer_with_pending(live, "telegram", "7001")
        headers = {TELEGRAM_HEADER: "k"}

        async def post(update: dict[str, Any]) -> None:
            res = await live.http.post("/webhooks/telegram", json=update, headers=headers)
            assert res.status_code == 200

        command = _tg_group(fake.text("/duyet@chungtay_test_bot", user=7001))
        await post(command)
        await post(command)  # redelivered: still one line
        assert [m["text"] for m in fake.sent(-100123)] == [PRIVATE_ONLY]
        for update in (
            fake.text("1", user=7002),
            fake.text("Đồng ý", user=7001),
            fake.press("approve", message_id=5, user=7002),
        ):
            await post(_tg_group(update))
        assert [m["text"] for m in fake.sent(-100123)] == [PRIVATE_ONLY]
        assert fake.sent(7001) == [] and fake.sent(7002) == []
        await _untouched(live, sub_id, "-100123")
        # A body that does not say the chat's type is no private chat unless it is the sender's.
        untyped = fake.text("/duyet", user=7001)
        untyped["message"]["chat"] = {"id": -1002}
        await post(untyped)
        assert [m["text"] for m in fake.sent(-1002)] == [PRIVATE_ONLY]
        await _untouched(live, sub_id, "-1002")


async def test_telegram_bots_and_other_bots_commands_are_ignored(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    extra = telegram_settings(
        fake, telegram_webhook_url="https://bot.example.vn/hook", telegram_webhook_secret="k"
    )
    async with live_app(settings, clock, **extra) as live:
        headers = {TELEGRAM_HEADER: "k"}
        from_bot = fake.text("/start", user=7009)
        from_bot["message"]["from"]["is_bot"] = True
        for update in (from_bot, fake.text("/me@other_bot"), fake.text("/help@OtherBot extra")):
            res = await live.http.post("/webhooks/telegram", json=update, headers=headers)
            assert res.status_code == 200
        assert fake.sent() == []
        # This bot's own name (from getMe, any case) is this bot's command.
        ours = fake.text("/me@ChungTay_Test_Bot")
        await live.http.post("/webhooks/telegram", json=ours, headers=headers)
        assert len(fake.sent(7001)) == 1
