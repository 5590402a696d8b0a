"""Security probes against the webhooks: the secret is checked before the body is read, and a
body that would crash the parser, or a NUL in a chat text, never turns into a 5xx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from api.webhooks import TELEGRAM_HEADER, ZALO_HEADER
from bot.settings import Settings
from storage.models import ChannelAccount
from tests.channels.conftest import LiveApp, live_app, telegram_settings, zalo_settings
from tests.channels.fakes import FakeTelegram, FakeZalo
from tests.support import make_invite

HOOKS = [  # path, secret header, the secret
    ("/webhooks/telegram", TELEGRAM_HEADER, "tg-secret-1"),
    ("/webhooks/zalo", ZALO_HEADER, "zalo-secret-1"),
]
DEEP = b'{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
CRAFTED = [  # body, content type
    (b'{"message": {"text": "\\u0000"}}', "application/json"),  # the NUL guard's 422 on main
    (b'{"a":"\\u0000","x":' + DEEP[5:], "application/json"),  # its RecursionError
    (DEEP, None),  # the webhook's own json.loads
    (b"\xff\xfe\x00", "application/json"),
]


@asynccontextmanager
async def hooks(
    settings: Settings, clock: Any, tg: FakeTelegram, zl: FakeZalo
) -> AsyncIterator[LiveApp]:
    extra = {
        **telegram_settings(tg, telegram_webhook_url="https://bot.example.vn/webhooks/telegram"),
        **zalo_settings(zl, zalo_webhook_url="https://bot.example.vn/webhooks/zalo"),
        "telegram_webhook_secret": HOOKS[0][2],
        "zalo_webhook_secret": HOOKS[1][2],
    }
    async with live_app(settings, clock, **extra) as live:
        yield live


def _headers(content_type: str | None, **more: str) -> dict[str, str]:
    return {**({"content-type": content_type} if content_type else {}), **more}


async def test_without_the_secret_the_body_is_never_read(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    async with hooks(settings, clock, fake_telegram, fake_zalo) as live:
        for path, header, _ in HOOKS:
            for secret in ({}, {header: "wrong"}):
                for body, content_type in CRAFTED:
                    headers = _headers(content_type, **secret)
                    r = await live.http.post(path, content=body, headers=headers)
                    assert (r.status_code, r.json()) == (
                        401,
                        {"ok": False, "error": "unauthorized"},
                    ), (path, body[:20])
        assert await live.processed() == 0


async def test_with_the_secret_a_too_deep_body_is_refused_with_400(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    async with hooks(settings, clock, fake_telegram, fake_zalo) as live:
        for path, header, secret in HOOKS:
            for body, content_type in CRAFTED[1:3]:
                headers = _headers(content_type, **{header: secret})
                r = await live.http.post(path, content=body, headers=headers)
                assert (r.status_code, r.json()) == (400, {"ok": False, "error": "too_deep"})
            # 64 levels is not too deep: the body is read (and is no update).
            nested = b'{"x":' + b"[" * 63 + b"]" * 63 + b"}"
            r = await live.http.post(path, content=nested, headers={header: secret})
            assert r.status_code in (200, 400) and b"too_deep" not in r.content


async def test_a_nul_in_a_chat_text_is_dropped_and_the_chat_answered(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram, fake_zalo: FakeZalo
) -> None:
    async with hooks(settings, clock, fake_telegram, fake_zalo) as live:
        code = await make_invite(live.services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An")
        path, header, secret = HOOKS[1]
        for text, reply in (
            (f"/start {code[:3]}\x00{code[3:]}", "Đúng là bạn không?"),
            ("1\x00", "Xin chào Nguyễn Văn An!"),
        ):
            r = await live.http.post(path, json=fake_zalo.text(text), headers={header: secret})
            assert r.status_code == 200
            assert any(reply in sent for sent in fake_zalo.sent("zu-1"))
        account = await live.account("zalo", "zu-1")
        assert account is not None and account.active
        assert await live.count(ChannelAccount, channel="zalo") == 1
