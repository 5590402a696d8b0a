"""Admin API v1 (skeleton): the public org tree. Auth and reports come with the admin issue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OrgUnit
from storage.orgtree import unit_by_code

router = APIRouter(prefix="/api/v1", tags=["v1"])


async def get_db(request: Request):  # type: ignore[no-untyped-def]
    async with request.app.state.services.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_db)]


class UnitPublic(BaseModel):
    code: str
    name: str
    level: str
    area: str
    parent_code: str | None


@router.get("/units", response_model=list[UnitPublic])
async def list_units(db: SessionDep, parent: str | None = None) -> list[UnitPublic]:
    """Children of `parent` (the roots when omitted)."""
    parent_unit = None
    if parent is not None:
        parent_unit = await unit_by_code(db, parent)
        if parent_unit is None:
            raise HTTPException(404, detail="unit not found")
    stmt = select(OrgUnit).where(
        OrgUnit.parent_id == (parent_unit.id if parent_unit else None)
        if parent_unit
        else OrgUnit.parent_id.is_(None)  # type: ignore[union-attr]
    )
    units = (await db.execute(stmt.order_by(OrgUnit.code))).scalars().all()
    return [
        UnitPublic(code=u.code, name=u.name, level=u.level, area=u.area, parent_code=parent)
        for u in units
    ]
