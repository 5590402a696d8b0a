"""Finding org units by name as people type them: no diacritics, no case, "xã" optional."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.i18n import fold
from storage.models import OrgUnit

COMMUNE_LEVELS = ("commune",)  # levels are data (README): extend if an import uses others
# Folded prefixes of commune-level unit names (xã, phường, thị trấn, đặc khu).
PREFIXES = ("xa ", "phuong ", "thi tran ", "dac khu ")


@dataclass(frozen=True)
class UnitHit:
    id: int
    name: str
    parent_name: str | None


def _bare(key: str) -> str:
    for prefix in PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


async def search_communes(
    db: AsyncSession, *, query: str, levels: tuple[str, ...] = COMMUNE_LEVELS
) -> list[UnitHit]:
    """Communes whose name contains the query; exact names win over partial ones.

    The names are folded in Python: 3,321 commune-level units nationwide is a small list, and
    the table keeps no folded column for SQL to compare with."""
    key = _bare(fold(query))
    rows = (
        await db.execute(
            select(OrgUnit.id, OrgUnit.name, OrgUnit.parent_id).where(OrgUnit.level.in_(levels))  # type: ignore[attr-defined]
        )
    ).all()
    hits = [r for r in rows if key and key in fold(r.name)]
    exact = [r for r in hits if _bare(fold(r.name)) == key]
    chosen = sorted(exact or hits, key=lambda r: (fold(r.name), r.id))
    parent_ids = {r.parent_id for r in chosen if r.parent_id is not None}
    parents: dict[int, str] = {}
    if parent_ids:
        stmt = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(parent_ids))  # type: ignore[union-attr]
        parents = {pid: name for pid, name in (await db.execute(stmt)).all()}
    return [UnitHit(r.id, r.name, parents.get(r.parent_id)) for r in chosen]


async def children(db: AsyncSession, *, parent_id: int) -> list[OrgUnit]:
    """The units directly under one unit (a commune's hamlets), in code order (same on every backend)."""
    stmt = select(OrgUnit).where(OrgUnit.parent_id == parent_id).order_by(OrgUnit.code)
    return list((await db.execute(stmt)).scalars())
