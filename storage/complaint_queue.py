"""What the chat needs around complaints: the commune's list posted today, the complaints its
officers have to answer, and who those officers are."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import procedure as proc
from storage.models import Person
from storage.models_procedure import Complaint, ReviewRound


async def posting_round(db: AsyncSession, *, commune_id: int, today: date) -> ReviewRound | None:
    """The commune's round whose list is posted today (complaints are taken only then)."""
    stmt = (
        select(ReviewRound)
        .where(
            ReviewRound.commune_id == commune_id,
            ReviewRound.status == proc.POSTING,
            ReviewRound.posting_starts_on <= today,  # type: ignore[operator]
            ReviewRound.posting_ends_on >= today,  # type: ignore[operator]
        )
        .order_by(ReviewRound.id.desc())  # type: ignore[union-attr]
    )
    return (await db.execute(stmt.limit(1))).scalars().first()


def _open_in(commune_id: int):  # type: ignore[no-untyped-def]
    return (
        select(Complaint)
        .join(ReviewRound, ReviewRound.id == Complaint.round_id)  # type: ignore[arg-type]
        .where(ReviewRound.commune_id == commune_id, Complaint.status == "open")
    )


async def open_in_commune(
    db: AsyncSession, *, commune_id: int, limit: int = 8
) -> tuple[list[Complaint], int]:
    """Complaints of the commune waiting for an answer, oldest first, and how many in all."""
    rows = await db.execute(_open_in(commune_id).order_by(Complaint.id).limit(limit))
    total = select(func.count()).select_from(_open_in(commune_id).subquery())
    return list(rows.scalars().all()), int((await db.execute(total)).scalar_one())


async def commune_officers(db: AsyncSession, *, commune_id: int) -> list[int]:
    """The commune's active officers, who answer its complaints."""
    stmt = select(Person.id).where(
        Person.role == "officer",
        Person.org_unit_id == commune_id,
        Person.active.is_(True),  # type: ignore[attr-defined]
    )
    return [int(i) for i in (await db.execute(stmt.order_by(Person.id))).scalars()]
