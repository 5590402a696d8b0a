"""The inbound path alone: CPU per update of `Conversations.handle` (dedupe, locked session,
flow, actions, save, commit) on PostgreSQL, with no HTTP and no Bot API, and the SQL statements
per report. The same users, households and 11-update "newly poor" report as bench/webhook.py.

    .venv/bin/python bench/inbound.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/chungtay_bench \
        [--users 16] [--rounds 5]

THE DATABASE IS WIPED (schema dropped). Users run side by side in one process; each round is one
report per user, timed by the process's CPU time (less sensitive to a shared machine than wall
time). Prints one JSON object as its last line: CPU ms per update for each round (the first
warms up), their median without the first, and statements per report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import harness, webhook  # noqa: E402  (the same data set and flow as the webhook benchmark)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import event

    from bot.services import build_services
    from bot.settings import Settings
    from handlers.inbound import InboundMessage

    codes, households = await harness.prepare_database(args.database_url, args.users, args.rounds)
    services = build_services(
        Settings(database_url=args.database_url, secret_key=harness.SECRET_KEY)  # type: ignore[arg-type]
    )
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(services.db_engine.sync_engine, "before_cursor_execute", count)
    conv = services.conversations
    ids = iter(range(1, 10**9))

    def message(chat: int, kind: str, value: str) -> InboundMessage:
        answer = {"text": value} if kind == "text" else {"choice": value}
        chat_id = str(700_000 + chat)
        update = str(next(ids))
        return InboundMessage("telegram", chat_id, chat_id, update_id=update, **answer)

    try:
        for u in range(args.users):  # onboarding, not timed
            await conv.handle(message(u, "text", f"/start {codes[u]}"))
            await conv.handle(message(u, "press", "yes"))
        per = len(webhook.FLOW)
        steps = [list(webhook.flow_steps(households[u])) for u in range(args.users)]
        cpu: list[float] = []
        per_report: list[float] = []
        for r in range(args.rounds):

            async def user(u: int, r: int = r) -> None:
                for kind, value in steps[u][r * per : (r + 1) * per]:
                    if await conv.handle(message(u, kind, value)) is None:
                        raise RuntimeError("an update was dropped as a duplicate")

            before, began = statements, time.process_time()
            await asyncio.gather(*(user(u) for u in range(args.users)))
            cpu.append(round(1000 * (time.process_time() - began) / (args.users * per), 2))
            per_report.append((statements - before) / args.users)
    finally:
        await services.aclose()
    return {
        "users": args.users,
        "rounds": args.rounds,
        "cpu_ms_per_update": cpu,
        "cpu_ms_per_update_median": round(statistics.median(cpu[1:] or cpu), 2),
        "statements_per_report": statistics.median(per_report),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="PostgreSQL, wiped first")
    parser.add_argument("--users", type=int, default=16, help="chats side by side")
    parser.add_argument("--rounds", type=int, default=5, help="reports per user")
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args()))))
