"""INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignore(
    session: AsyncSession, model: Any, values: dict[str, Any], conflict: Sequence[str]
) -> bool:
    """True when the row was inserted, False when an equal key already existed."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get_or_insert(
    session: AsyncSession, model: Any, key: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[Any, bool]:
    """The row with this unique key, inserted with `values` the first time; True when this call
    inserted it. One statement when the row exists (every time but the first); a concurrent
    insert of the same key wins and its row is returned."""
    stmt = select(model).filter_by(**key)
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is not None:
        return row, False
    created = await insert_ignore(session, model, {**key, **values}, tuple(key))
    return (await session.execute(stmt)).scalar_one(), created
