"""Telegram details without a database: keyboards handed over, tolerant reading, error kinds."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import BanChatMember, SendDocument, SendMessage
from aiogram.types import BufferedInputFile, LinkPreviewOptions

from bot.channels.base import ChannelError, RecipientGone
from bot.channels.telegram import TelegramChannel, TelegramConfig
from bot.channels.telegram_session import json_body
from bot.channels.telegram_wire import parse_update, retry_after
from conversations.model import Choice, Outbound
from tests.channels.fakes import TELEGRAM_TOKEN, FakeTelegram

YES_NO = (Choice("yes", "Có"), Choice("no", "Không"))


@pytest.fixture
async def channel(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    telegram = TelegramChannel(TelegramConfig(token=TELEGRAM_TOKEN, api_base=fake_telegram.url))
    yield telegram
    await telegram.stop()


async def test_a_new_question_takes_the_keyboard_off_the_previous_one(
    channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    await channel.send("7001", Outbound("Câu một?", YES_NO))
    await channel.send("7001", Outbound("Chỉ là thông báo."))  # no buttons: nothing to retire
    assert fake_telegram.called("editMessageReplyMarkup") == []
    await channel.send("7001", Outbound("Câu hai?", YES_NO))
    first, _, second = fake_telegram.sent(7001)
    [edit] = fake_telegram.called("editMessageReplyMarkup")
    assert int(edit.params["message_id"]) == first["message_id"]
    assert "reply_markup" not in edit.params
    assert fake_telegram.buttons(second) == [("Có", "yes"), ("Không", "no")]


async def test_ids_too_long_for_buttons_become_a_numbered_list(
    channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    long_id = "x" * 65  # callback data holds 64 bytes
    await channel.send("7001", Outbound("Chọn:", (Choice(long_id, "Một"),)))
    [message] = fake_telegram.sent(7001)
    assert message["text"] == "Chọn:\n\n1. Một\n(Trả lời bằng số)"
    assert fake_telegram.buttons(message) == []


async def test_flood_control_429_waits_retry_after_then_sends(
    channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail(
        "sendMessage",
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    await channel.send("7001", Outbound("Xin chào"))
    refused, delivered = fake_telegram.called("sendMessage")
    assert refused.failed and not delivered.failed
    assert delivered.at - refused.at >= 0.95
    assert delivered.params["text"] == refused.params["text"] == "Xin chào"


async def test_a_429_without_parameters_is_still_retried(
    channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail(
        "sendMessage", 429, {"ok": False, "error_code": 429, "description": "Too Many Requests"}
    )
    await channel.send("7001", Outbound("Xin chào"))
    assert [c.failed for c in fake_telegram.called("sendMessage")] == [True, False]


@pytest.mark.parametrize(
    ("status", "description", "error"),
    [
        (403, "Forbidden: bot was blocked by the user", RecipientGone),
        (200, "Forbidden: bot was blocked by the user", RecipientGone),
        (400, "Bad Request: chat not found", ChannelError),
    ],
)
async def test_failures_are_told_apart(
    channel: TelegramChannel,
    fake_telegram: FakeTelegram,
    status: int,
    description: str,
    error: type[Exception],
) -> None:
    fake_telegram.fail(
        "sendMessage", status, {"ok": False, "error_code": 403, "description": description}
    )
    with pytest.raises(error) as exc:
        await channel.send("7001", Outbound("Xin chào"))
    assert TELEGRAM_TOKEN not in str(exc.value)


async def test_an_update_missing_unused_required_fields_is_still_read(
    channel: TelegramChannel,
) -> None:
    press: dict[str, Any] = {
        "update_id": 5,
        "callback_query": {
            "id": "q1",
            "from": {"id": 7001, "first_name": "An"},  # no is_bot
            "data": "yes",  # no chat_instance
            "message": {"message_id": 9, "chat": {"id": 7001}},  # no date, no chat type
        },
    }
    update = parse_update(press)
    assert update is not None and update.callback_query is not None
    assert update.callback_query.data == "yes"
    assert parse_update({"update_id": "x"}) is None
    assert parse_update([1]) is None


async def test_polling_skips_an_unreadable_update_and_keeps_going(
    channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.queue({"update_id": 3, "message": {"text": "no chat at all"}})
    good = fake_telegram.queue(fake_telegram.text("/start"))
    updates, offset = await channel._fetch(None)
    assert [u.update_id for u in updates] == [good["update_id"]]
    assert offset == good["update_id"] + 1


def test_retry_after_is_read_from_the_description_when_parameters_are_missing() -> None:
    method = SendMessage(chat_id=1, text="x")
    assert retry_after(TelegramAPIError(method, "Too Many Requests: retry after 7")) == 7
    assert retry_after(TelegramAPIError(method, "Bad Request")) is None


async def test_calls_go_as_json_with_the_keyboard_as_nested_json(
    channel: TelegramChannel, fake_telegram: FakeTelegram
) -> None:
    await channel.send("7001", Outbound("Câu một?", YES_NO))
    await channel.send("7001", Outbound("Câu hai?", YES_NO))
    [first, second] = fake_telegram.called("sendMessage")
    [edit] = fake_telegram.called("editMessageReplyMarkup")
    assert {c.content_type for c in (first, second, edit)} == {"application/json"}
    # One JSON document: the keyboard is an object inside it, the ids keep their JSON types.
    assert first.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Có", "callback_data": "yes"}, {"text": "Không", "callback_data": "no"}]
        ]
    }
    assert edit.params == {
        "chat_id": "7001",
        "message_id": fake_telegram.sent(7001)[0]["message_id"],
    }


def test_the_json_body_leaves_what_aiogram_alone_encodes_to_aiogram() -> None:
    bot = Bot(TELEGRAM_TOKEN, default=DefaultBotProperties(parse_mode="HTML"))
    # A default from the bot's settings, at the top level, is resolved as the form would be.
    body = json_body(bot, SendMessage(chat_id=1, text="x"))
    assert body is not None and json.loads(body) == {
        "chat_id": 1,
        "text": "x",
        "parse_mode": "HTML",
    }
    # A file, a date (Unix time in aiogram's form) or a default nested in an object: multipart.
    upload = SendDocument(chat_id=1, document=BufferedInputFile(b"data", filename="a.docx"))
    assert json_body(bot, upload) is None
    until = datetime(2027, 1, 1, tzinfo=UTC)
    assert json_body(bot, BanChatMember(chat_id=1, user_id=2, until_date=until)) is None
    nested = SendMessage(chat_id=1, text="x", link_preview_options=LinkPreviewOptions())
    assert json_body(bot, nested) is None


def test_an_update_is_read_by_hand_and_refused_when_a_used_field_has_the_wrong_type() -> None:
    text = {
        "update_id": 8,
        "message": {
            "message_id": 3,
            "date": 1,
            "chat": {"id": 7001, "type": "private"},
            "from": {"id": 7001, "is_bot": False, "first_name": "Lê", "last_name": "Thị Mai"},
            "text": "/start",
        },
    }
    update = parse_update(text)
    assert update is not None and update.message is not None
    assert (update.update_id, update.message.text, update.message.chat.id) == (8, "/start", 7001)
    assert update.message.from_user is not None
    assert update.message.from_user.full_name == "Lê Thị Mai"
    # Another kind of update (an edit, a channel post): read, with nothing this bot answers.
    edited = parse_update({"update_id": 9, "edited_message": {"text": "x"}})
    assert edited is not None and edited.message is None and edited.callback_query is None

    def broken(**message: Any) -> dict[str, Any]:
        return {"update_id": 10, "message": {**text["message"], **message}}

    for body in (
        {"update_id": True},
        {"update_id": 10, "message": "hello"},
        broken(chat=None),
        broken(chat={"id": "7001"}),
        broken(text=5),
        broken(**{"from": {"id": 1, "is_bot": "no"}}),
        {"update_id": 11, "callback_query": {"id": "q", "data": "yes"}},  # no sender
        {"update_id": 12, "callback_query": {"id": "q", "from": {"id": 1}, "data": 7}},
    ):
        assert parse_update(body) is None, body
