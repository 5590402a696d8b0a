"""`chungtay scheduler` and `chungtay reminders preview`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from datetime import UTC, datetime

from sqlalchemy import select

from bot import logs
from bot.services import build_services
from bot.settings import Settings
from domain.i18n import LOCAL_TZ, Translator
from handlers.inbound import utc_now
from scheduler import Scheduler, plan_now
from storage.models import Person
from storage.models_register import ReportingPeriod


def parse_moment(text: str) -> datetime:
    """ISO date-time; without an offset it is Hà Nội time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date-time like 2026-11-22T08:00, got {text!r}"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)).astimezone(UTC)


async def _scheduler(settings: Settings) -> None:
    services = build_services(settings)
    sched = Scheduler(services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await sched.start()
    try:
        await stop.wait()
    finally:
        await sched.stop()
        await services.aclose()


def cmd_scheduler(args: argparse.Namespace) -> int:
    settings = Settings()
    logs.configure_from(settings)
    asyncio.run(_scheduler(settings))
    return 0


async def _preview(settings: Settings, at: datetime, period: str | None) -> list[str]:
    services = build_services(settings)
    t = Translator(settings.default_locale)
    try:
        planned = await plan_now(services, at, write=False)
        async with services.sessionmaker() as db:
            names = dict((await db.execute(select(Person.id, Person.name))).all())
            codes = dict((await db.execute(select(ReportingPeriod.id, ReportingPeriod.code))).all())
    finally:
        await services.aclose()
    lines = []
    for p in sorted(planned, key=lambda p: (p.due_at, p.rule, p.person_id or 0)):
        code = codes.get(p.period_id, "")
        if period and code != period:
            continue
        who = names.get(p.person_id, "—")
        what = p.reason if p.status == "skipped" else f"{p.channel}:{p.chat_id}"
        lines.append(f"{t.datetime(p.due_at)}  {code:8} {p.rule:22} {p.status:8} {who:24} {what}")
    return lines


def cmd_preview(args: argparse.Namespace) -> int:
    settings = Settings()
    for line in asyncio.run(_preview(settings, args.at or utc_now(), args.period)):
        print(line)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sched = sub.add_parser(
        "scheduler", help="run the reminder scheduler alone (one per deployment)"
    )
    sched.set_defaults(func=cmd_scheduler)
    rem = sub.add_parser("reminders", help="reminders").add_subparsers(
        required=True, metavar="ACTION"
    )
    preview = rem.add_parser(
        "preview", help="who would be reminded now (or --at), and who skipped, why"
    )
    preview.add_argument("--period", help="period code, e.g. 2026-11")
    preview.add_argument("--at", type=parse_moment, help="moment to plan at, e.g. 2026-11-22T08:00")
    preview.set_defaults(func=cmd_preview)
