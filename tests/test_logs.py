"""Logs: one JSON object per line on request, and no bot token, secret or personal data in them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs
from bot.settings import Settings

TOKEN = "123456789:AAH-secretPartOfTheTelegramToken_xyz"
ZALO = "8812345:zalo-secret-token-value-abcdef"
PHONE = "0912 345 678"


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _configured(fmt: str = "text") -> io.StringIO:
    stream = io.StringIO()
    settings = Settings(
        telegram_token=TOKEN,  # type: ignore[arg-type]
        zalo_token=ZALO,  # type: ignore[arg-type]
        log_format=fmt,  # type: ignore[arg-type]
        log_level="DEBUG",
    )
    logs.configure_from(settings, stream=stream)
    return stream


def test_tokens_and_phone_numbers_never_reach_the_log(restore_root: None) -> None:
    stream = _configured()
    log = logging.getLogger("aiogram.event")
    log.info("HTTP Request: POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    logging.getLogger("httpx").warning(
        "POST https://bot-api.zaloplatforms.com/bot%s/getUpdates failed", ZALO
    )
    logging.getLogger("chungtay").error("call failed with token %s", "987654321:" + "Q" * 35)
    logging.getLogger("chungtay").info("reply to +84 912 345 678 and to %s", PHONE)
    try:
        raise RuntimeError(f"Cannot connect to /bot{TOKEN}/getMe, caller {PHONE}")
    except RuntimeError:
        logging.getLogger("chungtay").exception("polling failed")
    out = stream.getvalue()
    assert TOKEN not in out and TOKEN.split(":")[1] not in out
    assert ZALO not in out and ZALO.split(":")[1] not in out
    assert "Q" * 35 not in out
    assert "912 345 678" not in out and "0912" not in out
    # What is left is still useful: which call, which method, that it failed, the traceback.
    assert "https://api.telegram.org/bot***/sendMessage" in out
    assert "/bot***/getUpdates failed" in out
    assert "RuntimeError: Cannot connect to /bot***/getMe" in out
    assert "Traceback" in out


def test_ordinary_numbers_are_left_alone() -> None:
    keep = "took 0.123456789 s; update 1000001234; 2026-11-25 08:00; 4.000.000 ₫; id 7001"
    assert logs.RedactFilter().redact(keep) == keep
    assert logs.RedactFilter().redact("gọi 090.123.4567 hoặc +84-90-123-4567") == "gọi *** hoặc ***"


def test_names_and_texts_of_chat_payloads_are_masked(restore_root: None) -> None:
    stream = _configured()
    update = {
        "message": {
            "from": {"id": 7001, "first_name": "Nguyễn", "last_name": "Văn An"},
            "text": "nhà anh Lê Văn Hùng, số 0987654321",
        }
    }
    logging.getLogger("chungtay").warning("odd update: %s", json.dumps(update, ensure_ascii=False))
    logging.getLogger("chungtay").warning(
        "odd update: %s", "Message(text='Lê Thị Mai', chat=Chat(first_name='Mai', id=5))"
    )
    out = stream.getvalue()
    for personal in ("Nguyễn", "Văn An", "Lê Văn Hùng", "0987654321", "Lê Thị Mai", "'Mai'"):
        assert personal not in out
    assert '"first_name": "***"' in out and "text='***'" in out
    assert '"id": 7001' in out  # ids are not personal data and are needed to follow a chat


def test_json_format_is_one_object_per_line(restore_root: None) -> None:
    stream = _configured("json")
    logging.getLogger("chungtay.test").info("hello %s\nsecond line", "world")
    try:
        raise ValueError("bad")
    except ValueError:
        logging.getLogger("chungtay.test").exception("failed for %s", PHONE)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "hello world\nsecond line"
    assert first["level"] == "INFO" and first["logger"] == "chungtay.test"
    assert second["message"] == "failed for ***"
    assert "ValueError: bad" in second["error"]


def test_uvicorn_records_go_through_the_filter(restore_root: None) -> None:
    logging.getLogger("uvicorn.error").handlers.append(logging.StreamHandler(io.StringIO()))
    _configured()  # configuring again takes uvicorn's own handlers away
    stream = _configured()
    logging.getLogger("uvicorn.access").info('"POST /bot%s/x HTTP/1.1" 200', TOKEN)
    assert not logging.getLogger("uvicorn.error").handlers
    assert "/bot***/x" in stream.getvalue() and TOKEN not in stream.getvalue()


def test_phone_numbers_ending_a_sentence_or_glued_to_words_are_masked() -> None:
    redact = logs.RedactFilter().redact
    assert redact("Liên hệ chị Lan 0912345678.") == "Liên hệ chị Lan ***."
    assert redact("sdt0912345678, SĐT:+84912345678") == "sdt***, SĐT:***"
    # Still not: a number inside a hex id or after an underscore, a decimal, digits and letters.
    keep = "id 3fa9c0912345678; file_0912345678; 1700000000.123456; 0912345678abc; 0912345678.5s"
    assert redact(keep) == keep


async def test_sql_statements_and_their_parameters_stay_out_even_at_debug(
    restore_root: None,
) -> None:
    import aiosqlite

    stream = _configured()  # CHUNGTAY_LOG_LEVEL=DEBUG
    async with aiosqlite.connect(":memory:") as db:
        await db.execute("SELECT ?", ("ABCD-EFGH",))  # an invite code, say
    logging.getLogger("chungtay").debug("still at debug")
    out = stream.getvalue()
    assert "ABCD-EFGH" not in out and "SELECT" not in out
    assert "still at debug" in out
    for name in ("aiosqlite", "sqlalchemy.engine", "asyncpg"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING
