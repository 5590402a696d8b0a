"""`chungtay classify --round CODE [--unit COMMUNE]`: the standard a review round classifies by."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sqlalchemy import select

from bot.settings import Settings
from domain import procedure as proc
from domain.standards import Standard
from storage.db import make_engine, make_sessionmaker
from storage.models_procedure import ReviewRound
from storage.orgtree import unit_by_code
from storage.rounds import default_standard


class RoundError(ValueError):
    pass


def spec_of(code: str) -> proc.RoundSpec:
    """ "2026" is the annual (periodic) review of 2026, "2026-11" November's regular review."""
    kind = proc.PERIODIC if len(code) == 4 else proc.REGULAR
    try:
        return proc.spec_for(kind, code)
    except ValueError:
        raise RoundError(
            f"--round takes 2026 (the annual review) or 2026-11 (a monthly review), got {code!r}"
        ) from None


async def _stored(settings: Settings, unit: str, spec: proc.RoundSpec) -> str | None:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as db:
            commune = await unit_by_code(db, unit)
            if commune is None:
                raise RoundError(f"--unit: no unit {unit!r} in the database")
            stmt = select(ReviewRound.standard_id).where(
                ReviewRound.commune_id == commune.id,
                ReviewRound.kind == spec.kind,
                ReviewRound.code == spec.code,
            )
            return (await db.execute(stmt)).scalar_one_or_none()
    finally:
        await engine.dispose()


def round_standard(code: str, unit: str | None, standards: Mapping[str, Standard]) -> str:
    """The commune's choice for that round where the database has one, else the round's
    default: the standard of the lists it produces (a periodic round: the next year's)."""
    spec = spec_of(code)
    if unit is not None:
        stored = asyncio.run(_stored(Settings(), unit, spec))
        if stored is not None:
            return stored
    return default_standard(spec, standards)
