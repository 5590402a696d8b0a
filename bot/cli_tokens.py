"""`chungtay token create|revoke`: admin API bearer tokens, printed once and stored only hashed."""

from __future__ import annotations

import argparse
from datetime import timedelta

from bot.cli_common import parse_duration, print_result
from bot.settings import Settings
from domain.i18n import Translator
from handlers.inbound import utc_now
from storage.api_tokens import create_token, revoke_token
from storage.db import make_engine, make_sessionmaker, transaction
from storage.models_api import TOKEN_ROLES, ApiToken
from storage.orgtree import unit_by_code


async def _create(settings: Settings, args: argparse.Namespace) -> str:
    t = Translator(settings.default_locale)
    engine = make_engine(settings.database_url)
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            unit = await unit_by_code(db, args.unit)
            if unit is None:
                raise LookupError(t("No unit with code {code}.", code=args.unit))
            expires = None if args.expires is None else utc_now() + args.expires
            new = await create_token(
                db,
                secret_key=settings.secret_key.get_secret_value(),
                role=args.role,
                unit=unit,
                name=args.name,
                actor="cli",
                expires_at=expires,
            )
    finally:
        await engine.dispose()
    until = (
        t("It never expires; revoke it when it is no longer used.")
        if expires is None
        else t("It works until {when}.", when=t.datetime(expires))
    )
    return (
        f"{new.token}\n"
        + t("Keep this token safe: it is shown only once. Use it as: Authorization: Bearer <token>")
        + f"\n{until}"
    )


DEFAULT_EXPIRY = "365d"  # a token forgotten in a script stops by itself


def _expiry(text: str) -> timedelta | None:
    """--expires: a duration, or "never" (None)."""
    return None if text == "never" else parse_duration(text)


def cmd_token_create(args: argparse.Namespace) -> int:
    return print_result(_create(Settings(), args))


async def _revoke(settings: Settings, token_id: int) -> str:
    t = Translator(settings.default_locale)
    engine = make_engine(settings.database_url)
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            token = await db.get(ApiToken, token_id, with_for_update=True)
            if token is None:
                raise LookupError(t("No token with id {id}.", id=token_id))
            if token.revoked:
                return t("Token {id} was already revoked.", id=token_id)
            await revoke_token(db, token=token, actor="cli")
    finally:
        await engine.dispose()
    return t("Token {id} revoked.", id=token_id)


def cmd_token_revoke(args: argparse.Namespace) -> int:
    return print_result(_revoke(Settings(), args.id))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tok = sub.add_parser("token", help="admin API tokens").add_subparsers(
        required=True, metavar="ACTION"
    )
    create = tok.add_parser("create", help="print a new API token once")
    create.add_argument("--role", required=True, choices=TOKEN_ROLES)
    create.add_argument("--unit", required=True, help="org unit code: the token reads its subtree")
    create.add_argument("--name", help="who or what uses the token")
    create.add_argument(
        "--expires",
        default=DEFAULT_EXPIRY,
        type=_expiry,
        help=f"how long it works, e.g. 90d, 365d, or never (default {DEFAULT_EXPIRY})",
    )
    create.set_defaults(func=cmd_token_create)
    revoke = tok.add_parser("revoke", help="stop a token at once (its id: GET /api/v1/tokens)")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(func=cmd_token_revoke)
