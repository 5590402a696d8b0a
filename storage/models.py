"""SQLModel tables. Timestamps are timezone-aware UTC; money is integer đồng."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, utcnow

ROLES = ("hamlet_head", "officer", "admin", "household")
CHANNELS = ("telegram", "zalo", "simulator")


def _ts(*, index: bool = False) -> Any:
    """A required UTC timestamp defaulting to now."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False, index=index)


class OrgUnit(SQLModel, table=True):
    """A node of the administrative tree; levels are data, depth is free."""

    __tablename__ = "org_units"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    level: str = Field(max_length=32, index=True)
    parent_id: int | None = Field(default=None, foreign_key="org_units.id", index=True)
    area: str = Field(default="rural", max_length=8)  # rural | urban
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Person(SQLModel, table=True):
    __tablename__ = "people"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=20)
    role: str = Field(max_length=20, index=True)
    org_unit_id: int | None = Field(default=None, foreign_key="org_units.id", index=True)
    locale: str = Field(default="vi", max_length=8)
    active: bool = True
    # For role "household": the register entry this person speaks for (set when matched).
    household_id: int | None = Field(default=None, foreign_key="households.id")
    created_at: datetime = _ts()


class ChannelAccount(SQLModel, table=True):
    """A chat identity on one channel; one person may link Telegram and Zalo both."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("channel", "external_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_user_id: str = Field(max_length=64)
    chat_id: str = Field(max_length=64)
    person_id: int = Field(foreign_key="people.id", index=True)
    active: bool = True
    linked_at: datetime = _ts()


class Invite(SQLModel, table=True):
    __tablename__ = "invites"
    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=20)
    org_unit_id: int = Field(foreign_key="org_units.id")
    person_id: int | None = Field(default=None, foreign_key="people.id")
    name: str | None = Field(default=None, max_length=200)
    expires_at: datetime = Field(sa_type=UTCDateTime())
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    used_by_account_id: int | None = Field(default=None, foreign_key="channel_accounts.id")
    created_at: datetime = _ts()


class ConversationSession(SQLModel, table=True):
    """Per channel + chat: the JSON-safe engine state and an optimistic version counter."""

    __tablename__ = "conversation_sessions"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    flow: str | None = Field(default=None, max_length=64)
    step: str | None = Field(default=None, max_length=64)
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    version: int = 0
    updated_at: datetime = _ts()
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class ProcessedUpdate(SQLModel, table=True):
    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    update_id: str = Field(max_length=128)
    processed_at: datetime = _ts(index=True)
    # The turn's replies until they are sent ([[text, [[id, label], ...]], ...]), and until when
    # the worker holding them may still be sending (a redelivery after that sends them).
    replies: list[Any] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime())


class RateEvent(SQLModel, table=True):
    """Counted attempts for rate limits (e.g. wrong invite codes per chat per hour)."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_key", "kind", "channel", "chat_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    at: datetime = _ts()


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=100)  # "person:12", "cli", "system", "telegram:123"
    action: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=100)  # "invite:5", "org_unit:37"
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    at: datetime = _ts(index=True)
