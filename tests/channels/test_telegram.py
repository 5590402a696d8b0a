"""Telegram end to end: the real aiogram Bot talks HTTP to a fake Bot API server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from api.webhooks import TELEGRAM_HEADER
from bot.channels.runtime import build_channels
from bot.settings import Settings
from storage.models import AuditLog, ChannelAccount, ConversationSession, Person
from tests.channels.conftest import LiveApp, eventually, live_app, telegram_settings
from tests.channels.fakes import TELEGRAM_TOKEN, FakeTelegram
from tests.support import make_invite

USER = 7001
CONFIRM = "Đúng là bạn không?"
WELCOME = "Xin chào Nguyễn Văn An!"


async def _invite(live: LiveApp) -> str:
    return await make_invite(live.services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An")


def _last_with(fake: FakeTelegram, fragment: str) -> Any:
    return next((m for m in reversed(fake.sent(USER)) if fragment in m["text"]), None)


async def test_onboarding_by_polling_with_buttons(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with live_app(settings, clock, **telegram_settings(fake)) as live:
        # Start-up announces the commands, in Vietnamese.
        commands = await fake.wait_for(lambda: fake.called("setMyCommands"))
        described = {c["command"]: c["description"] for c in commands[0].params["commands"]}
        assert set(described) == {"start", "me", "help", "back", "cancel", "lang"}
        assert described["back"] == "Quay lại câu hỏi trước"
        assert {c.token for c in fake.calls} == {TELEGRAM_TOKEN}

        fake.queue(fake.text(f"/start {await _invite(live)}"))
        question = await fake.wait_for(lambda: _last_with(fake, CONFIRM))
        buttons = dict(fake.buttons(question))
        assert list(buttons) == ["Có", "Không"]
        asked = fake.called("sendMessage")[-1]
        press = fake.queue(fake.press(buttons["Có"], message_id=question["message_id"]))
        await fake.wait_for(lambda: _last_with(fake, WELCOME))
        # The button is answered and its keyboard removed beside the reply, not before the turn.
        answered = await fake.wait_for(lambda: fake.called("answerCallbackQuery"))
        assert [c.params["callback_query_id"] for c in answered] == [press["callback_query"]["id"]]
        # The pressed question loses its keyboard, so the old button cannot answer again.
        removed = await fake.wait_for(lambda: fake.called("editMessageReplyMarkup"))
        assert [(int(c.params["message_id"]), c.params.get("reply_markup")) for c in removed] == [
            (press["callback_query"]["message"]["message_id"], None)
        ]
        assert asked.at < removed[0].at

        account = await live.account("telegram", str(USER))
        assert account is not None and account.active and account.chat_id == str(USER)
        # Polling mode serves no webhook: a posted update is not processed.
        res = await live.http.post("/webhooks/telegram", json=fake.text("/me"))
        assert res.status_code == 404


async def test_onboarding_by_webhook_with_typed_answers(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    extra = telegram_settings(
        fake,
        telegram_webhook_url="https://bot.example.vn/webhooks/telegram",
        telegram_webhook_secret="s3cret-Token_1",
    )
    async with live_app(settings, clock, **extra) as live:
        [registered] = fake.called("setWebhook")  # during start-up, before any update
        assert registered.params["url"] == "https://bot.example.vn/webhooks/telegram"
        assert registered.params["secret_token"] == "s3cret-Token_1"
        assert not fake.called("getUpdates")

        headers = {TELEGRAM_HEADER: "s3cret-Token_1"}
        start = fake.text(f"/start {await _invite(live)}")
        assert (await live.http.post("/webhooks/telegram", json=start, headers=headers)).is_success
        assert CONFIRM in fake.sent(USER)[-1]["text"]
        # Typing works wherever a button is offered: the label without diacritics here.
        res = await live.http.post("/webhooks/telegram", json=fake.text("co"), headers=headers)
        assert WELCOME in fake.sent(USER)[-1]["text"]
        # Answering by typing also takes the keyboard off the question: in the webhook's answer,
        # a Bot API call Telegram makes itself, so no request of the bot's own.
        asked = fake.sent(USER)[0]["message_id"]
        assert res.headers["content-type"] == "application/json"
        assert res.json() == {
            "method": "editMessageReplyMarkup",
            "chat_id": str(USER),
            "message_id": asked,
        }
        assert fake.called("editMessageReplyMarkup") == []
        assert await live.count(Person) == 1


async def test_wrong_secret_is_refused_and_nothing_is_processed(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    extra = telegram_settings(
        fake, telegram_webhook_url="https://bot.example.vn/hook", telegram_webhook_secret="right"
    )
    async with live_app(settings, clock, **extra) as live:
        update = fake.text("/start")
        for headers in ({TELEGRAM_HEADER: "wrong"}, {TELEGRAM_HEADER: "righ"}, {}):
            res = await live.http.post("/webhooks/telegram", json=update, headers=headers)
            assert res.status_code == 401
        assert fake.sent() == []
        assert await live.processed() == 0
        assert await live.count(ConversationSession) == 0
        # The same update with the right secret is then handled normally.
        res = await live.http.post(
            "/webhooks/telegram", json=update, headers={TELEGRAM_HEADER: "right"}
        )
        assert res.status_code == 200 and len(fake.sent()) == 1


async def test_without_a_configured_secret_one_is_generated(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    extra = telegram_settings(fake, telegram_webhook_url="https://bot.example.vn/hook")
    async with live_app(settings, clock, **extra) as live:
        secret = fake.called("setWebhook")[0].params["secret_token"]
        assert len(secret) >= 32
        update = fake.text("/start")
        assert (await live.http.post("/webhooks/telegram", json=update)).status_code == 401
        res = await live.http.post(
            "/webhooks/telegram", json=update, headers={TELEGRAM_HEADER: secret}
        )
        assert res.status_code == 200 and len(fake.sent()) == 1


async def test_the_same_update_twice_is_handled_once(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    extra = telegram_settings(
        fake, telegram_webhook_url="https://bot.example.vn/hook", telegram_webhook_secret="k"
    )
    async with live_app(settings, clock, **extra) as live:
        update = fake.text(f"/start {await _invite(live)}")
        for _ in range(2):  # Telegram redelivers when it did not see our 200 in time
            res = await live.http.post(
                "/webhooks/telegram", json=update, headers={TELEGRAM_HEADER: "k"}
            )
            assert res.status_code == 200
        assert len(fake.sent()) == 1
        # A redelivered copy makes no Bot API call at all: the question just sent keeps its
        # keyboard, and a pressed button is answered (and its keyboard removed) once.
        [question] = fake.sent()
        press = fake.press(dict(fake.buttons(question))["Có"], question["message_id"])
        answers = []
        for copy, is_new in ((update, False), (press, True), (press, False)):
            before = len(fake.calls)
            res = await live.http.post(
                "/webhooks/telegram", json=copy, headers={TELEGRAM_HEADER: "k"}
            )
            assert res.status_code == 200
            answers.append(res.json() if res.content else None)
            if not is_new:
                assert [c.method for c in fake.calls[before:]] == []
        # The button is answered in the webhook's answer, once; its keyboard removed once.
        query_id = press["callback_query"]["id"]
        assert answers == [
            None,
            {"method": "answerCallbackQuery", "callback_query_id": query_id},
            None,
        ]
        assert fake.called("answerCallbackQuery") == []
        assert len(fake.called("editMessageReplyMarkup")) == 1
        assert WELCOME in fake.sent()[-1]["text"] and len(fake.sent()) == 2


async def test_a_blocked_bot_marks_the_account_inactive(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with live_app(settings, clock, **telegram_settings(fake)) as live:
        fake.queue(fake.text(f"/start {await _invite(live)}"))
        await fake.wait_for(lambda: _last_with(fake, CONFIRM))
        fake.queue(fake.text("có"))
        await fake.wait_for(lambda: _last_with(fake, WELCOME))

        blocked = {
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: bot was blocked by the user",
        }
        fake.fail("sendMessage", 403, blocked)
        fake.queue(fake.text("/me"))

        async def inactive() -> bool:
            account = await live.account("telegram", str(USER))
            return account is not None and not account.active

        await eventually(inactive)
        async with live.services.sessionmaker() as db:
            actions = list((await db.execute(select(AuditLog.action))).scalars())
        assert "account.deactivate" in actions

        # Writing again proves the person is back.
        fake.queue(fake.text("/me"))
        await fake.wait_for(lambda: _last_with(fake, "Bạn là Nguyễn Văn An"))
        account = await live.account("telegram", str(USER))
        assert account is not None and account.active


async def test_a_stale_button_gets_an_explanation(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with live_app(settings, clock, **telegram_settings(fake)):
        fake.queue(fake.text("/start"))
        menu = await fake.wait_for(lambda: fake.sent())
        buttons = dict(fake.buttons(menu[0]))
        assert "Tôi có mã mời" in buttons
        menu_id = menu[0]["message_id"]
        fake.queue(fake.press(buttons["Tôi có mã mời"], message_id=menu_id))
        await fake.wait_for(lambda: len(fake.sent()) == 2)
        # A second press on the same (old) message, e.g. before the keyboard removal arrived.
        fake.queue(fake.press(buttons["Làm sao để có mã?"], message_id=menu_id))
        stale = await fake.wait_for(lambda: _last_with(fake, "Nút đó thuộc câu hỏi trước"))
        assert "Vui lòng nhập mã mời" in stale["text"]  # the current question, asked again
        assert len(fake.called("answerCallbackQuery")) == 2


async def test_a_press_answered_by_a_question_removes_one_keyboard(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    """The pressed message is the chat's live keyboard: removed once, not once for the press and
    again by the next question sent beside it."""
    fake = fake_telegram
    extra = telegram_settings(
        fake, telegram_webhook_url="https://bot.example.vn/hook", telegram_webhook_secret="k"
    )
    headers = {TELEGRAM_HEADER: "k"}
    async with live_app(settings, clock, **extra) as live:
        for text in (f"/start {await _invite(live)}", "có", "/baocao"):
            await live.http.post("/webhooks/telegram", json=fake.text(text), headers=headers)
        menu = fake.sent()[-1]
        before = len(fake.called("editMessageReplyMarkup"))
        press = fake.press(dict(fake.buttons(menu))["Nghèo phát sinh"], menu["message_id"])
        await live.http.post("/webhooks/telegram", json=press, headers=headers)
        question = fake.sent()[-1]
        assert fake.buttons(question)  # the answer is itself a question with buttons
        edits = fake.called("editMessageReplyMarkup")[before:]
        assert [int(c.params["message_id"]) for c in edits] == [menu["message_id"]]


async def test_a_photo_gets_a_hint_to_type_and_the_question_again(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with live_app(settings, clock, **telegram_settings(fake)) as live:
        fake.queue(fake.text("/start"))
        [question] = await fake.wait_for(lambda: fake.sent())
        fake.queue(fake.photo())
        [_, hint] = await fake.wait_for(lambda: fake.sent()[1:] and fake.sent())
        assert hint["text"].startswith("Tôi chỉ đọc được tin nhắn chữ")
        assert question["text"] in hint["text"]  # the pending question, with its buttons
        assert fake.buttons(hint) == fake.buttons(question)
        assert await live.count(ChannelAccount) == 0


@pytest.mark.parametrize("token", ["not-a-token", "abc:def"])
def test_a_malformed_token_is_refused_with_a_clear_message(token: str) -> None:
    with pytest.raises(ValueError, match="CHUNGTAY_TELEGRAM_TOKEN"):
        build_channels(Settings(telegram_token=token))  # type: ignore[arg-type]
