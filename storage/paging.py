"""One page of a query plus the total count, for the paginated button lists."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def page(
    db: AsyncSession, stmt: Select[tuple[T]], *order: Any, limit: int, offset: int
) -> tuple[list[T], int]:
    """The page's rows and how many there are in all, in one statement (the count as a window
    over the whole result); counted apart only when the page is past the end."""
    counted = stmt.add_columns(func.count().over()).order_by(*order).limit(limit).offset(offset)
    rows = (await db.execute(counted)).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][1])
    if offset <= 0:
        return [], 0
    total = (await db.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    return [], int(total)
