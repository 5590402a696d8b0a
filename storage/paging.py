"""One page of a query plus the total count, for the paginated button lists."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def page(
    db: AsyncSession, stmt: Select[tuple[T]], *order: Any, limit: int, offset: int
) -> tuple[list[T], int]:
    total = (await db.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await db.execute(stmt.order_by(*order).limit(limit).offset(offset))
    return list(rows.scalars()), int(total)
