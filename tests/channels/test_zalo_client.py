"""Our Zalo client and the Zalo channel's error handling, against the fake Zalo server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.channels.base import ChannelError, RecipientGone
from bot.channels.zalo import ZaloChannel, ZaloConfig, unwrap
from bot.channels.zalo_client import ZaloClient, ZaloError
from conversations.model import Outbound
from handlers.inbound import InboundMessage
from tests.channels.fakes import ZALO_TOKEN, FakeZalo


@pytest.fixture
async def client(fake_zalo: FakeZalo) -> AsyncIterator[ZaloClient]:
    zalo = ZaloClient(ZALO_TOKEN, fake_zalo.url)
    yield zalo
    await zalo.aclose()


async def test_calls_are_json_posts_to_bot_token_method(
    client: ZaloClient, fake_zalo: FakeZalo
) -> None:
    me = await client.get_me()
    assert me["account_name"] == "Bot ChungTay"
    await client.send_message("zu-1", "Chào bạn")
    await client.send_chat_action("zu-1")
    await client.set_webhook("https://x.vn/webhooks/zalo", "secret-123")
    assert (await client.get_webhook_info())["url"] == "https://x.vn/webhooks/zalo"
    await client.delete_webhook()
    assert [(c.method, c.params, c.token) for c in fake_zalo.calls] == [
        ("getMe", {}, ZALO_TOKEN),
        ("sendMessage", {"chat_id": "zu-1", "text": "Chào bạn"}, ZALO_TOKEN),
        ("sendChatAction", {"chat_id": "zu-1", "action": "typing"}, ZALO_TOKEN),
        (
            "setWebhook",
            {"url": "https://x.vn/webhooks/zalo", "secret_token": "secret-123"},
            ZALO_TOKEN,
        ),
        ("getWebhookInfo", {}, ZALO_TOKEN),
        ("deleteWebhook", {}, ZALO_TOKEN),
    ]


async def test_http_200_with_ok_false_is_an_error(client: ZaloClient, fake_zalo: FakeZalo) -> None:
    fake_zalo.fail("sendMessage", 200, {"ok": False, "error_code": -124, "description": "bad"})
    with pytest.raises(ZaloError) as exc:
        await client.send_message("zu-1", "x")
    assert exc.value.code == -124
    fake_zalo.fail("getMe", 200, {"result": {"id": "1"}})  # no "ok" at all
    with pytest.raises(ZaloError):
        await client.get_me()


@pytest.mark.parametrize("status", [200, 408])
async def test_error_408_means_no_update(
    client: ZaloClient, fake_zalo: FakeZalo, status: int
) -> None:
    fake_zalo.fail(
        "getUpdates", status, {"ok": False, "error_code": 408, "description": "Request timeout"}
    )
    assert await client.get_updates(1) is None
    update = fake_zalo.queue(fake_zalo.text("xin chào"))
    assert await client.get_updates(1) == update


async def test_a_transport_failure_never_shows_the_token() -> None:
    offline = ZaloClient(ZALO_TOKEN, "http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(ZaloError) as exc:
        await offline.get_me()
    await offline.aclose()
    assert "TEST-zalo-token" not in str(exc.value) and exc.value.code is None


async def test_rate_limit_is_retried_and_a_refusal_is_recipient_gone(fake_zalo: FakeZalo) -> None:
    channel = ZaloChannel(ZaloConfig(token=ZALO_TOKEN, api_base=fake_zalo.url))
    try:
        fake_zalo.fail(
            "sendMessage",
            429,
            {"ok": False, "error_code": 429, "description": "Too many requests"},
        )
        began = time.monotonic()
        await channel.send("zu-1", Outbound("Chào"))
        assert fake_zalo.sent("zu-1") == ["Chào"] and time.monotonic() - began >= 0.9

        fake_zalo.fail("sendMessage", 403, {"ok": False, "error_code": 403, "description": "x"})
        with pytest.raises(RecipientGone):
            await channel.send("zu-1", Outbound("Chào"))
        fake_zalo.fail("sendMessage", 200, {"ok": False, "error_code": 400, "description": "x"})
        with pytest.raises(ChannelError):
            await channel.send("zu-1", Outbound("Chào"))
    finally:
        await channel.stop()


class RecordingRelay:
    """Stands in for the conversation: records what the channel hands over."""

    def __init__(self) -> None:
        self.seen: list[InboundMessage] = []

    async def process(self, channel: object, msg: InboundMessage) -> bool:
        self.seen.append(msg)
        return True


async def test_polling_survives_a_server_error(fake_zalo: FakeZalo) -> None:
    fake_zalo.fail(
        "getUpdates", 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    )
    channel = ZaloChannel(ZaloConfig(token=ZALO_TOKEN, api_base=fake_zalo.url, poll_timeout=1))
    relay = RecordingRelay()
    await channel.start(relay)  # type: ignore[arg-type]
    try:
        fake_zalo.queue(fake_zalo.text("xin chào", message_id="m-7"))
        await fake_zalo.wait_for(lambda: relay.seen)
    finally:
        await channel.stop()
    assert fake_zalo.called("getUpdates", failed=True)
    [msg] = relay.seen
    assert (msg.channel, msg.chat_id, msg.user_id, msg.text) == ("zalo", "zu-1", "zu-1", "xin chào")
    assert (msg.update_id, msg.display_name) == ("message.text.received:m-7", "Trần Thị Bình")


def test_a_webhook_body_is_accepted_bare_or_wrapped() -> None:
    update = {"event_name": "message.text.received", "message": {"text": "hi"}}
    assert unwrap(update) == update
    assert unwrap({"ok": True, "result": update}) == update
    assert unwrap([update]) is None
