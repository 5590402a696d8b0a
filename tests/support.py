"""Test helpers that set up data through the real storage functions."""

from __future__ import annotations

from datetime import timedelta

from bot.services import Services
from storage.db import transaction
from storage.orgtree import import_units, parse_csv, unit_by_code
from storage.people import create_invite
from storage.seed import DEMO_CSV


async def seed_units(services: Services) -> None:
    async with transaction(services.sessionmaker) as db:
        await import_units(db, parse_csv(DEMO_CSV.read_text(encoding="utf-8")), actor="test")


async def make_invite(
    services: Services, role: str, unit_code: str, name: str | None, *, days: float = 7
) -> str:
    async with transaction(services.sessionmaker) as db:
        unit = await unit_by_code(db, unit_code)
        assert unit is not None, unit_code
        new = await create_invite(
            db,
            secret_key=services.settings.secret_key.get_secret_value(),
            role=role,
            unit=unit,
            now=services.clock(),
            ttl=timedelta(days=days),
            name=name,
            actor="test",
        )
        return new.code
