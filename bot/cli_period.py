"""`chungtay period open|list`: reporting periods as data (monthly regular, annual periodic review)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from bot.settings import Settings
from domain.calendar import ANNUAL, MONTHLY
from domain.i18n import N_, Translator
from domain.periods import KIND_LABELS, Refused, build_spec, check_standard
from domain.standards import StandardsError, load_standards
from storage.db import make_engine, make_sessionmaker, transaction
from storage.hamlet_reports import list_periods, open_period
from storage.models_register import ReportingPeriod

STATUS_LABELS = {"open": N_("open"), "closed": N_("closed")}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: use YYYY-MM-DD") from None


def _label(t: Translator, labels: dict[str, str], key: str) -> str:
    msgid = labels.get(key, key)
    return t(msgid)


def describe(t: Translator, p: ReportingPeriod) -> str:
    return t(
        "{code}  {kind}  {start}–{end}  hamlets by {hamlet}  commune by {commune}  {status}  "
        "standard: {standard}",
        code=p.code,
        kind=_label(t, KIND_LABELS, p.kind),
        start=t.date(p.starts_on),
        end=t.date(p.ends_on),
        hamlet=t.date(p.hamlet_deadline),
        commune=t.date(p.commune_deadline),
        status=_label(t, STATUS_LABELS, p.status),
        standard=p.standard_id or t("the one in force"),
    )


def _check_standard(t: Translator, settings: Settings, standard_id: str | None) -> None:
    if standard_id is None:
        return
    directory = Path(settings.standards_dir) if settings.standards_dir else None
    try:
        known = load_standards(directory)
    except StandardsError as exc:
        raise Refused(str(exc)) from None
    check_standard(t, known, standard_id)


async def _open(settings: Settings, args: argparse.Namespace) -> str:
    t = Translator(settings.default_locale)
    spec = build_spec(
        t,
        kind=args.kind,
        code=args.code,
        hamlet_deadline=args.hamlet_deadline,
        commune_deadline=args.commune_deadline,
    )
    _check_standard(t, settings, args.standard)
    engine = make_engine(settings.database_url)
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            period, created = await open_period(db, spec, standard_id=args.standard, actor="cli")
            line = describe(t, period)
    finally:
        await engine.dispose()
    head = t("Period opened:") if created else t("Period updated:")
    return f"{head}\n{line}"


async def _list(settings: Settings) -> str:
    t = Translator(settings.default_locale)
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as db:
            periods = await list_periods(db)
            lines = [describe(t, p) for p in periods]
    finally:
        await engine.dispose()
    return "\n".join(lines) if lines else t("No periods yet.")


def cmd_open(args: argparse.Namespace) -> int:
    try:
        print(asyncio.run(_open(Settings(), args)))
    except Refused as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    print(asyncio.run(_list(Settings())))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    period = sub.add_parser("period", help="reporting periods").add_subparsers(
        required=True, metavar="ACTION"
    )
    opener = period.add_parser(
        "open",
        help="open a period, or reopen it with new deadlines",
        description="Deadlines are the end of the given day, Hà Nội time. Defaults: monthly, "
        "hamlets by the 25th and the commune by the 5th of the next month; annual, 1 Sep - 14 Dec, "
        "hamlets by 30 Nov.",
    )
    opener.add_argument("--kind", required=True, choices=(MONTHLY, ANNUAL))
    opener.add_argument("--code", required=True, help="2026-11 (monthly) or 2026 (annual)")
    opener.add_argument("--hamlet-deadline", type=_day, metavar="YYYY-MM-DD")
    opener.add_argument("--commune-deadline", type=_day, metavar="YYYY-MM-DD")
    opener.add_argument("--standard", metavar="ID", help="poverty standard, e.g. nd351-2025")
    opener.set_defaults(func=cmd_open)
    lister = period.add_parser("list", help="list periods, newest first")
    lister.set_defaults(func=cmd_list)
