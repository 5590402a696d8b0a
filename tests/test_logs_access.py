"""Access-log lines of a real uvicorn server, logging set up as `chungtay run` and `serve` do:
phone numbers in any Vietnamese form, plain or URL-encoded, searches, token parameters and
signed document links are masked."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from api.app import create_app
from bot import logs
from bot.services import Services
from tests.api.conftest import bearer, make_token
from tests.support import seed_units

LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")
# What an officer types into the list's search box, as the browser sends it in the query string.
SEARCHES = [
    "q=%2B84912000111",  # +84912000111
    "q=84912000111",
    "q=0912%20000%20111",  # 0912 000 111
    "q=0912+000+111",  # the same, form-encoded
    "q=0912.000.111",
    "q=0912-000-111",
    "q=%2B84%20912%20000%20111",  # +84 912 000 111
    "q=%28%2B84%29+912.000.111",  # (+84) 912.000.111
    "q=nha+0912000111",  # nhà 0912000111: a name and a number
    "q=Ph%E1%BA%A1m+Th%E1%BB%8B+Lan",  # Phạm Thị Lan: a name alone
]
# A signed link to a document (documents/service.py): whoever has it may download for 24 hours.
LINK = "/api/v1/documents/download/eyJhIjpbIm1pbnV0ZXMiXSwiZSI6MX0.c2lnbmF0dXJlLWhlcmU"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    saved = {
        n: (list(lg.handlers), lg.level, lg.propagate)
        for n, lg in ((n, logging.getLogger(n)) for n in LOGGERS)
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        lg = logging.getLogger(name)
        lg.handlers[:], lg.propagate = handlers, propagate
        lg.setLevel(level)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_access_log_masks_phone_numbers_and_token_parameters(
    services: Services, restore_logging: None
) -> None:
    await seed_units(services)
    token = await make_token(services, "officer", "37-GIAVIEN")
    stream = io.StringIO()
    logs.configure_from(services.settings, stream=stream)  # what runner.serve / app_factory call
    port = _free_port()
    config = uvicorn.Config(
        create_app(services, own_services=False),
        host="127.0.0.1",
        port=port,
        log_config=None,  # as bot/runner.py: our handler, not uvicorn's
        lifespan="off",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(500):  # up to 5 s to bind
            if server.started:
                break
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for query in SEARCHES:
                r = await http.get(f"/api/v1/households?{query}", headers=bearer(token))
                assert r.status_code == 200, (query, r.text)
            # A dashboard link someone shared with the token in it.
            await http.get(f"/dashboard?lang=vi&token={token}")
            await http.get(LINK)
    finally:
        server.should_exit = True
        await serving
    out = stream.getvalue()
    access = [line for line in out.splitlines() if "uvicorn.access" in line]
    assert len(access) == len(SEARCHES) + 2
    searched = '"GET /api/v1/households?q=*** HTTP/1.1" 200'
    assert sum(searched in line for line in access) == len(SEARCHES)
    assert [w for w in ("nha", "Ph%E1%BA%A1m", "Lan") if w in "\n".join(access)] == []
    assert '"GET /dashboard?lang=vi&token=*** HTTP/1.1" 200' in out
    assert '"GET /api/v1/documents/download/*** HTTP/1.1" 410' in out
    assert LINK.rpartition("/")[2] not in out and "eyJ" not in out
    # Any piece of the number as typed (not "912" alone: a client port or a timestamp's
    # milliseconds can hold that).
    pieces = ["912000111", "912%20000", "912+000", "912.000", "912-000", "912 000", "%2B84"]
    assert [p for p in pieces if p in out] == []
    assert token not in out and token[3:] not in out


def test_api_tokens_and_other_phone_forms_are_masked_in_any_line() -> None:
    redact = logs.RedactFilter().redact
    token = "ct_" + "Ab3-_x" * 8  # storage.api_tokens: "ct_" and 43 URL-safe characters
    assert redact(f"401 for Authorization: Bearer {token}") == "401 for Authorization: Bearer ***"
    assert redact("gọi 0084 912 000 111 hoặc (+84) 912-000-111") == "gọi *** hoặc ***"
    assert redact("GET /x?id=5&access_token=abc123&y=1") == "GET /x?id=5&access_token=***&y=1"


async def _serve_and_get(services: Services, paths: list[str]) -> None:
    port = _free_port()
    config = uvicorn.Config(
        create_app(services, own_services=False),
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(2000):  # up to 20 s on a busy machine
            if server.started:
                break
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for path in paths:
                await http.get(path)
    finally:
        server.should_exit = True
        await serving


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_simulator_polling_its_inbox_is_not_logged_at_info(
    services: Services, restore_logging: None
) -> None:
    stream = io.StringIO()
    logs.configure_from(services.settings, stream=stream)
    await _serve_and_get(services, ["/simulator/api/inbox/demo-1"] * 3 + ["/simulator"])
    access = [line for line in stream.getvalue().splitlines() if "uvicorn.access" in line]
    assert len(access) == 1 and '"GET /simulator HTTP/1.1" 200' in access[0], access

    # With CHUNGTAY_LOG_LEVEL=DEBUG the polls are there, as DEBUG lines.
    stream = io.StringIO()
    debug = services.settings.model_copy(update={"log_level": "DEBUG"})
    logs.configure_from(debug, stream=stream)
    await _serve_and_get(services, ["/simulator/api/inbox/demo-1"])
    polled = [line for line in stream.getvalue().splitlines() if "/simulator/api/inbox/" in line]
    assert len(polled) == 1 and " DEBUG uvicorn.access: " in polled[0], polled
