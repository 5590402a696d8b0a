"""Zalo end to end: our Zalo client talks HTTP to a fake Zalo Bot API server. No buttons."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from api.webhooks import ZALO_HEADER
from bot.settings import Settings
from handlers.notify import Notice, enqueue_notices
from storage.db import transaction
from storage.models import ChannelAccount, ConversationSession, Person
from tests.channels.conftest import LiveApp, live_app, zalo_settings
from tests.channels.fakes import ZALO_TOKEN, FakeZalo
from tests.support import make_invite

USER = "zu-1"
CONFIRM = "Đúng là bạn không?"
WELCOME = "Xin chào Nguyễn Văn An!"
HOOK = "https://bot.example.vn/webhooks/zalo"


async def _invite(live: LiveApp) -> str:
    return await make_invite(live.services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An")


def _has(fake: FakeZalo, fragment: str, user: str = USER) -> bool:
    return any(fragment in text for text in fake.sent(user))


async def test_onboarding_by_polling_with_a_numbered_list(
    settings: Settings, clock: Any, fake_zalo: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = fake_zalo
    async with live_app(settings, clock, **zalo_settings(fake)) as live:
        fake.queue(fake.text(f"/start {await _invite(live)}"))
        await fake.wait_for(lambda: _has(fake, CONFIRM))
        assert fake.sent(USER)[-1].endswith("\n\n1. Có\n2. Không\n(Trả lời bằng số)")
        fake.queue(fake.text("1"))
        await fake.wait_for(lambda: _has(fake, WELCOME))

        account = await live.account("zalo", USER)
        assert account is not None and account.chat_id == USER
        async with live.services.sessionmaker() as db:
            person = await db.get(Person, account.person_id)
        assert person is not None and person.name == "Nguyễn Văn An"
        polls = fake.called("getUpdates")
        assert polls and all(c.params == {"timeout": 1} for c in polls)
        assert {c.token for c in fake.calls} == {ZALO_TOKEN}
    # The token travels in every URL; only the fake server's own access log may show it.
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("aiohttp")]
    assert ours and not [m for m in ours if "TEST-zalo-token" in m]


@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "bare"])
async def test_onboarding_by_webhook(
    settings: Settings, clock: Any, fake_zalo: FakeZalo, wrapped: bool
) -> None:
    fake = fake_zalo
    extra = zalo_settings(fake, zalo_webhook_url=HOOK, zalo_webhook_secret="zalo-secret-1")
    async with live_app(settings, clock, **extra) as live:
        [registered] = fake.called("setWebhook")
        assert registered.params == {"url": HOOK, "secret_token": "zalo-secret-1"}
        assert not fake.called("getUpdates")

        async def deliver(update: dict[str, Any]) -> int:
            body = {"ok": True, "result": update} if wrapped else update
            headers = {ZALO_HEADER: "zalo-secret-1"}
            return (await live.http.post("/webhooks/zalo", json=body, headers=headers)).status_code

        assert await deliver(fake.text(f"/start {await _invite(live)}")) == 200
        assert _has(fake, CONFIRM)
        assert await deliver(fake.text("1")) == 200
        assert _has(fake, WELCOME)
        assert await live.count(ChannelAccount, channel="zalo") == 1


async def test_wrong_secret_is_refused_and_nothing_is_processed(
    settings: Settings, clock: Any, fake_zalo: FakeZalo
) -> None:
    fake = fake_zalo
    extra = zalo_settings(fake, zalo_webhook_url=HOOK, zalo_webhook_secret="zalo-secret-1")
    async with live_app(settings, clock, **extra) as live:
        update = fake.text("/start")
        for headers in (
            {ZALO_HEADER: "zalo-secret-2"},
            {"X-Telegram-Bot-Api-Secret-Token": "zalo-secret-1"},
            {},
        ):
            res = await live.http.post("/webhooks/zalo", json=update, headers=headers)
            assert res.status_code == 401
        assert fake.sent() == []
        assert await live.processed() == 0
        assert await live.count(ConversationSession) == 0


async def test_numbered_answers_in_every_typed_form(
    settings: Settings, clock: Any, fake_zalo: FakeZalo
) -> None:
    fake = fake_zalo
    answers = {"zu-a": "1.", "zu-b": "Có", "zu-c": "co"}
    async with live_app(settings, clock, **zalo_settings(fake)) as live:
        for user in answers:
            fake.queue(fake.text(f"/start {await _invite(live)}", user=user))
        await fake.wait_for(lambda: all(_has(fake, CONFIRM, u) for u in answers))
        for user, answer in answers.items():
            fake.queue(fake.text(answer, user=user))
        await fake.wait_for(lambda: all(_has(fake, WELCOME, u) for u in answers))
        assert await live.count(ChannelAccount, channel="zalo") == len(answers)

        # A choice question: "số 1" picks the first line of the list.
        fake.queue(fake.text("/start", user="zu-d"))
        await fake.wait_for(lambda: _has(fake, "\n\n1. Tôi có mã mời\n2. ", "zu-d"))
        fake.queue(fake.text("số 1", user="zu-d"))
        await fake.wait_for(lambda: _has(fake, "Vui lòng nhập mã mời", "zu-d"))


async def test_a_notice_mid_question_is_answered_by_its_letter(
    settings: Settings, clock: Any, fake_zalo: FakeZalo
) -> None:
    """A notice pushed outside the conversation is answered by typing its key, as its button is
    pressed on Telegram. Here it comes in the middle of a report: by letter ("a. Xem xét"), so
    the report's question keeps its numbers, and "a" asks to switch."""
    fake = fake_zalo
    async with live_app(settings, clock, **zalo_settings(fake)) as live:
        fake.queue(fake.text(f"/start {await _invite(live)}"))
        await fake.wait_for(lambda: _has(fake, CONFIRM))
        fake.queue(fake.text("1"))
        await fake.wait_for(lambda: _has(fake, WELCOME))
        fake.queue(fake.text("/baocao"))
        await fake.wait_for(lambda: _has(fake, "Hộ có biến động gì?"))
        account = await live.account("zalo", USER)
        assert account is not None
        notice = Notice(
            account.person_id,
            "New registration to exit poverty {ref} from the household of {name}. "
            "Please bring it to the hamlet meeting, then confirm it here.",
            {"ref": "TN-AAAAAA", "name": "Lê Thị Mai"},
            choices=(("flow:exit_review:TN-AAAAAA", "Review"),),
        )
        async with transaction(live.services.sessionmaker) as db:
            await enqueue_notices(db, [notice], clock())
        await live.services.sender.drain()
        assert fake.sent(USER)[-1].endswith(
            "\n\na. Xem xét\n(Gõ chữ cái của lựa chọn, hoặc gõ câu trả lời.)"
        )
        fake.queue(fake.text("1"))  # the question's: 1. Nghèo phát sinh
        await fake.wait_for(lambda: _has(fake, "Nhập họ tên chủ hộ"))
        fake.queue(fake.text("a"))
        await fake.wait_for(lambda: _has(fake, "Bạn chưa hoàn thành báo cáo biến động hộ"))
        fake.queue(fake.text("2"))  # 2. Bắt đầu xác nhận đăng ký thoát nghèo
        await fake.wait_for(lambda: _has(fake, "Không có đăng ký TN-AAAAAA"))


async def test_a_sticker_gets_a_polite_hint_once_and_the_question_again(
    settings: Settings, clock: Any, fake_zalo: FakeZalo
) -> None:
    fake = fake_zalo
    async with live_app(settings, clock, **zalo_settings(fake)):
        fake.queue(fake.text("/start"))
        await fake.wait_for(lambda: len(fake.sent(USER)) == 1)
        sticker = fake.event("message.sticker.received", message_id="st-1")
        fake.queue(sticker)
        fake.queue(sticker)  # delivered twice
        fake.queue(fake.text("/me"))  # a marker: handled after both stickers
        await fake.wait_for(lambda: len(fake.sent(USER)) == 3)
        question, hint, reply = fake.sent(USER)
        assert hint.startswith(
            "Tôi chỉ đọc được tin nhắn chữ. Vui lòng gõ câu trả lời, "
            "hoặc trả lời bằng số thứ tự của lựa chọn."
        )
        # The pending question comes back with its numbered choices, which still answer it.
        assert question.split("\n\n", 1)[1] in hint and "\n1. Tôi có mã mời\n" in hint
        assert "chưa được liên kết" in reply
        fake.queue(fake.text("1"))
        await fake.wait_for(lambda: _has(fake, "Vui lòng nhập mã mời"))


async def test_the_same_message_twice_is_handled_once(
    settings: Settings, clock: Any, fake_zalo: FakeZalo
) -> None:
    fake = fake_zalo
    async with live_app(settings, clock, **zalo_settings(fake)) as live:
        start = fake.text(f"/start {await _invite(live)}", message_id="m-1")
        fake.queue(start)
        fake.queue(dict(start))
        fake.queue(fake.text("/me", user="zu-other"))  # a marker: handled after both copies
        await fake.wait_for(lambda: fake.sent("zu-other"))
        assert len(fake.sent(USER)) == 1
        # Same message id but another event is another update.
        fake.queue(fake.event("message.image.received", message_id="m-1"))
        await fake.wait_for(lambda: len(fake.sent(USER)) == 2)
        # Without a message id, a redelivery is known by the message itself.
        bare = fake.text("/me")
        del bare["message"]["message_id"]
        fake.queue(bare)
        fake.queue(dict(bare))
        fake.queue(fake.text("/me", user="zu-other"))
        await fake.wait_for(lambda: len(fake.sent("zu-other")) == 2)
        assert len(fake.sent(USER)) == 3
