"""The `chungtay` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from bot import cli_documents, cli_domain, cli_period, cli_reminders, cli_tokens, logs
from bot.cli_common import parse_duration, print_result
from bot.settings import Settings
from domain.i18n import Translator
from handlers.inbound import utc_now
from storage.db import make_engine, make_sessionmaker, transaction
from storage.migrate import is_current, upgrade
from storage.models import ROLES, Person
from storage.orgtree import ImportFailed, import_units, parse_csv, unit_by_code
from storage.people import create_invite
from storage.seed import is_empty, seed_demo


def _t(settings: Settings) -> Translator:
    return Translator(settings.default_locale)


async def _db_upgrade(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = Settings()
    asyncio.run(_db_upgrade(settings))
    t = _t(settings)
    print(t("Database is up to date."))
    return 0


async def _import(settings: Settings, text: str) -> str:
    t = _t(settings)
    engine = make_engine(settings.database_url)
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            result = await import_units(db, parse_csv(text), actor="cli")
    finally:
        await engine.dispose()
    return t(
        "Imported: {created} created, {updated} updated, {unchanged} unchanged.",
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )


def cmd_units_import(args: argparse.Namespace) -> int:
    settings = Settings()
    t = _t(settings)
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(t("Cannot read {file}: {error}", file=path, error=exc), file=sys.stderr)
        return 2
    try:
        print(asyncio.run(_import(settings, text)))
    except ImportFailed as exc:
        for err in exc.errors:
            print(err.message(t), file=sys.stderr)
        print(t("Nothing was imported."), file=sys.stderr)
        return 1
    return 0


async def _invite(settings: Settings, args: argparse.Namespace) -> str:
    t = _t(settings)
    engine = make_engine(settings.database_url)
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            unit = await unit_by_code(db, args.unit)
            if unit is None:
                raise LookupError(t("No unit with code {code}.", code=args.unit))
            person = await db.get(Person, args.person) if args.person else None
            if args.person and person is None:
                raise LookupError(t("No person with id {id}.", id=args.person))
            new = await create_invite(
                db,
                secret_key=settings.secret_key.get_secret_value(),
                role=args.role,
                unit=unit,
                now=utc_now(),
                ttl=args.expires or timedelta(days=settings.invite_ttl_days),
                name=args.name,
                person=person,
                actor="cli",
            )
            expires = t.datetime(new.invite.expires_at)
    finally:
        await engine.dispose()
    return f"{new.code}\n" + t(
        "Valid until {when}. Send: /start {code}", when=expires, code=new.code
    )


def cmd_invite_create(args: argparse.Namespace) -> int:
    return print_result(_invite(Settings(), args))


async def _prepare(settings: Settings) -> None:
    """Migrate, and on an empty database seed the demo tree and print fresh invite codes."""
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        if not settings.demo_data:
            return
        async with transaction(make_sessionmaker(engine)) as db:
            if not await is_empty(db):
                return
            invites, demo = await seed_demo(
                db, secret_key=settings.secret_key.get_secret_value(), now=utc_now()
            )
    finally:
        await engine.dispose()
    t = _t(settings)
    print(
        t(
            "Demo data created (made up, not real people): {households} households in "
            "{hamlets} hamlets, {poor} poor and {near_poor} near-poor, a year of {changes} "
            "approved changes and {reports} period reports; {pending} reports await review.",
            **demo.__dict__,
        )
    )
    print(t("Invite codes (each works once):"))
    for inv in invites:
        print(f"  {inv.code}  {inv.name} — {inv.role} — {inv.unit_name}")


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import serve

    settings = Settings()
    logs.configure_from(settings)
    if (reason := cli_documents.refusal(settings.templates_dir)) is not None:
        print(f"chungtay run: {reason}", file=sys.stderr)
        return 2
    asyncio.run(_prepare(settings))
    t = _t(settings)
    print(t("Simulator: http://{host}:{port}/simulator", host=settings.host, port=settings.port))
    print(t("Press Ctrl-C to stop."))
    serve(settings)
    return 0


async def _migrations_current(settings: Settings) -> bool:
    engine = make_engine(settings.database_url)
    try:
        return await is_current(engine)
    finally:
        await engine.dispose()


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.runner import refusal, serve_workers

    settings = Settings()
    logs.configure_from(settings)
    t = _t(settings)
    reason = refusal(settings, args.workers) or cli_documents.refusal(settings.templates_dir)
    if reason is not None:
        print(f"chungtay serve: {reason}", file=sys.stderr)
        return 2
    try:
        current = asyncio.run(_migrations_current(settings))
    except Exception as exc:
        print(t("Cannot reach the database: {error}", error=type(exc).__name__), file=sys.stderr)
        return 1
    if not current:
        print(
            t("The database is not up to date: run `chungtay db upgrade` first."), file=sys.stderr
        )
        return 1
    serve_workers(
        workers=args.workers,
        host=args.host or settings.host,
        port=args.port if args.port is not None else settings.port,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chungtay", description="ChungTay poverty-reduction reporting bot"
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="migrate, seed demo data if empty, serve everything")
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser(
        "serve", help="serve webhooks, API and simulator with N worker processes (no scheduler)"
    )
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--host", help="default CHUNGTAY_HOST")
    serve.add_argument("--port", type=int, help="default CHUNGTAY_PORT")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database").add_subparsers(required=True, metavar="ACTION")
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    units = sub.add_parser("units", help="org tree").add_subparsers(required=True, metavar="ACTION")
    imp = units.add_parser("import", help="import code,name,level,parent_code,area CSV")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_units_import)

    inv = sub.add_parser("invite", help="invites").add_subparsers(required=True, metavar="ACTION")
    create = inv.add_parser("create", help="print a one-time invite code")
    create.add_argument("--role", required=True, choices=[r for r in ROLES if r != "household"])
    create.add_argument("--unit", required=True, help="org unit code")
    create.add_argument("--expires", type=parse_duration, help="e.g. 7d, 12h (default 7d)")
    create.add_argument("--name", help="the invited person's display name")
    create.add_argument("--person", type=int, help="link another chat to this existing person id")
    create.set_defaults(func=cmd_invite_create)

    cli_domain.register(sub)
    cli_reminders.register(sub)
    cli_period.register(sub)
    cli_tokens.register(sub)
    cli_documents.register(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))
