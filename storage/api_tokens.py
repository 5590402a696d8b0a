"""Admin API tokens (create, look up) and the org subtree a token may read."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.codes import hash_secret
from storage.audit import record
from storage.models import OrgUnit
from storage.models_api import TOKEN_ROLES, ApiToken
from storage.orgtree import subtree_ids

PREFIX = "ct_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: str  # shown once; only its digest is stored
    row: ApiToken


async def create_token(
    db: AsyncSession,
    *,
    secret_key: str,
    role: str,
    unit: OrgUnit,
    name: str | None,
    actor: str,
    expires_at: datetime | None = None,
) -> NewToken:
    if role not in TOKEN_ROLES:
        raise ValueError(f"unknown token role {role!r}")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=hash_secret(token, secret_key),
        role=role,
        org_unit_id=unit.id,  # type: ignore[arg-type]
        name=name,
        expires_at=expires_at,
    )
    db.add(row)
    await db.flush()
    record(
        db,
        actor=actor,
        action="api_token.create",
        entity=f"api_token:{row.id}",
        after={
            "role": role,
            "unit": unit.code,
            "name": name,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return NewToken(token, row)


async def active_token(
    db: AsyncSession, *, secret_key: str, token: str, now: datetime
) -> ApiToken | None:
    """The token's row when it exists, is not revoked and has not expired; marks it used."""
    stmt = select(ApiToken).where(ApiToken.token_hash == hash_secret(token, secret_key))
    row = (await db.execute(stmt)).scalar_one_or_none()
    if row is None or row.revoked or (row.expires_at is not None and now >= row.expires_at):
        return None
    # Recorded to the minute: a write on every request would cost a commit per API call.
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row


async def subtree_units(db: AsyncSession, root_id: int) -> list[OrgUnit]:
    """The unit and every descendant, at any depth (recursive CTE), ordered by code."""
    stmt = select(OrgUnit).where(OrgUnit.id.in_(subtree_ids(root_id))).order_by(OrgUnit.code)  # type: ignore[union-attr]
    return list((await db.execute(stmt)).scalars())


async def is_within(db: AsyncSession, *, root_id: int, unit_id: int) -> bool:
    """Whether unit_id is root_id or below it: walk the parent links upward."""
    up = (
        select(OrgUnit.id, OrgUnit.parent_id).where(OrgUnit.id == unit_id).cte("up", recursive=True)
    )
    up = up.union_all(select(OrgUnit.id, OrgUnit.parent_id).where(OrgUnit.id == up.c.parent_id))
    found = await db.execute(select(up.c.id).where(up.c.id == root_id).limit(1))
    return found.first() is not None


async def revoke_token(db: AsyncSession, *, token: ApiToken, actor: str) -> ApiToken:
    """The token stops working at once; revoking it twice is refused (ValueError)."""
    if token.revoked:
        raise ValueError(f"api token {token.id} is already revoked")
    token.revoked = True
    record(
        db,
        actor=actor,
        action="api_token.revoke",
        entity=f"api_token:{token.id}",
        before={"revoked": False},
        after={"revoked": True},
    )
    return token
