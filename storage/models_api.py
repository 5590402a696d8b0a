"""Admin API bearer tokens: stored only as an HMAC digest, scoped to one unit's subtree."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models import _ts
from storage.types import UTCDateTime

TOKEN_ROLES = ("officer", "province", "admin")


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)  # officer | province | admin
    org_unit_id: int = Field(foreign_key="org_units.id", index=True)
    name: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts()
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    revoked: bool = False
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime())  # None: never
