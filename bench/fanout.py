"""Fan-out benchmark: N reminders through the real outbox sender and the real aiogram Telegram
channel, against a fake Bot API on 127.0.0.1 that enforces a rate limit with 429 replies.

    .venv/bin/python bench/fanout.py [--recipients 3000] [--limit 300] [--database-url URL]

Prints progress, then one JSON object as its last line: sent, limit, achieved rate, the ratio to
the limit (the baseline: the most the server allows), duplicates and lost messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import multiprocessing.connection
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.channels.telegram import TelegramChannel, TelegramConfig
from bot.delivery import Sender
from storage.db import make_engine, make_sessionmaker, transaction
from storage.migrate import upgrade
from storage.models_outbox import OutboxMessage

TOKEN = "123456:bench-token"


class FakeBotAPI:
    """sendMessage only; more than `limit` accepted messages in any second -> 429 retry_after 1."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.accepted: deque[float] = deque()
        self.by_chat: Counter[str] = Counter()
        self.first = self.last = 0.0
        self.refused = 0

    async def handle(self, request: web.Request) -> web.Response:
        data = (
            await request.post()
            if request.content_type != "application/json"
            else await request.json()
        )
        now = time.monotonic()
        while self.accepted and now - self.accepted[0] >= 1.0:
            self.accepted.popleft()
        if len(self.accepted) >= self.limit:
            self.refused += 1
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status=429,
            )
        self.accepted.append(now)
        self.first = self.first or now
        self.last = now
        chat = str(data["chat_id"])
        self.by_chat[chat] += 1
        message = {
            "message_id": sum(self.by_chat.values()),
            "date": int(time.time()),
            "chat": {"id": int(chat), "type": "private"},
            "text": data.get("text", ""),
        }
        return web.json_response({"ok": True, "result": message})


def serve_fake(limit: int, port_out: multiprocessing.connection.Connection) -> None:
    """The fake Bot API in its own process, as the real one would be."""

    async def run() -> None:
        fake = FakeBotAPI(limit)
        app = web.Application()
        app.router.add_post(f"/bot{TOKEN}/sendMessage", fake.handle)

        async def stats(request: web.Request) -> web.Response:
            return web.json_response(
                {
                    "by_chat": fake.by_chat,
                    "first": fake.first,
                    "last": fake.last,
                    "refused": fake.refused,
                }
            )

        app.router.add_get("/stats", stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(run())


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument(
        "--limit", type=int, default=300, help="messages/s the fake allows (and the sender uses)"
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_fake, args=(args.limit, child), daemon=True
    )
    server.start()
    port = parent.recv()

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/fanout.db"
    engine = make_engine(url)
    await upgrade(engine)
    factory = make_sessionmaker(engine)
    now = datetime.now(UTC)
    async with transaction(factory) as db:
        await db.execute(OutboxMessage.__table__.delete())  # type: ignore[attr-defined]
        db.add_all(
            OutboxMessage(
                key=f"bench:{i}",
                rule="bench",
                channel="telegram",
                chat_id=str(100000 + i),
                text=f"Nhắc việc {i}",
                due_at=now,
            )
            for i in range(args.recipients)
        )
    channel = TelegramChannel(TelegramConfig(token=TOKEN, api_base=f"http://127.0.0.1:{port}"))
    sender = Sender(
        factory, {"telegram": channel}, rate_per_s=args.limit, batch=500, concurrency=32
    )
    print(
        f"sending {args.recipients} messages, limit {args.limit}/s, database {engine.dialect.name}",
        file=sys.stderr,
    )
    started = time.monotonic()
    stats = await sender.drain()
    wall = time.monotonic() - started
    await channel.bot.session.close()
    await engine.dispose()
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/stats") as res:
        seen = await res.json()
    server.terminate()

    by_chat: dict[str, int] = seen["by_chat"]
    delivered = sum(by_chat.values())
    span = max(seen["last"] - seen["first"], 1e-9)
    achieved = (delivered - 1) / span if delivered > 1 else 0.0
    print(f"wall {wall:.1f}s, sender stats {stats}, 429 replies {seen['refused']}", file=sys.stderr)
    print(
        json.dumps(
            {
                "bench": "fanout",
                "backend": engine.dialect.name,
                "sent": delivered,
                "limit_per_s": args.limit,
                "achieved_per_s": round(achieved, 1),
                "ratio_to_limit": round(achieved / args.limit, 3),
                "duplicates": sum(1 for n in by_chat.values() if n > 1),
                "lost": args.recipients - len(by_chat),
                "throttled_429": seen["refused"],
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
