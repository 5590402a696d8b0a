"""The delivery outbox: every reminder and digest, sent or skipped, with why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from storage.models import _ts
from storage.types import JSONType, UTCDateTime

OUTBOX_STATES = ("pending", "claimed", "sending", "sent", "failed", "skipped", "uncertain")
IN_FLIGHT = ("claimed", "sending")  # taken by a sender, not yet resolved


class OutboxMessage(SQLModel, table=True):
    """One message to one person. `key` is unique per (period, recipient, rule firing), so a
    reminder is written once, whatever the number of scheduler processes or restarts."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    period_id: int | None = Field(default=None, foreign_key="reporting_periods.id", index=True)
    rule: str = Field(max_length=40)
    person_id: int | None = Field(default=None, foreign_key="people.id", index=True)
    hamlet_id: int | None = Field(default=None, foreign_key="org_units.id")
    channel: str | None = Field(default=None, max_length=16)
    chat_id: str | None = Field(default=None, max_length=64)
    text: str = ""
    choices: list[Any] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    due_at: datetime = Field(sa_type=UTCDateTime())
    status: str = Field(default="pending", max_length=16)
    reason: str | None = Field(default=None, max_length=40)  # why skipped or deferred
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    created_at: datetime = _ts()
