"""The review procedure's tables: rounds, hamlet meetings and their votes, complaints.

A round (đợt rà soát) belongs to one commune; its decision changes the households on its final
list. See domain/procedure.py for the rules and docs/procedure.md for the steps.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import _ts
from storage.types import UTCDateTime


class ReviewRound(SQLModel, table=True):
    __tablename__ = "review_rounds"
    __table_args__ = (UniqueConstraint("commune_id", "kind", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="org_units.id", index=True)
    kind: str = Field(max_length=16)  # regular | periodic
    code: str = Field(max_length=16)  # "2026-12" | "2026"
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))
    standard_id: str = Field(max_length=32)
    status: str = Field(default="open", max_length=16)  # open | posting | closed
    posting_starts_on: date | None = Field(default=None, sa_column=Column(Date))
    posting_ends_on: date | None = Field(default=None, sa_column=Column(Date))
    decision_number: str | None = Field(default=None, max_length=64)
    decision_date: date | None = Field(default=None, sa_column=Column(Date))
    decision_signer: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts()
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class HamletMeeting(SQLModel, table=True):
    """A hamlet meeting (họp bình xét) chaired by the hamlet head."""

    __tablename__ = "hamlet_meetings"
    id: int | None = Field(default=None, primary_key=True)
    hamlet_id: int = Field(foreign_key="org_units.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="review_rounds.id", index=True)
    held_on: date = Field(sa_column=Column(Date, nullable=False))
    present: int
    place: str | None = Field(default=None, max_length=200)
    chair_id: int | None = Field(default=None, foreign_key="people.id")
    secretary: str | None = Field(default=None, max_length=200)
    status: str = Field(default="open", max_length=16)  # open | closed
    created_at: datetime = _ts()
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class MeetingVote(SQLModel, table=True):
    __tablename__ = "meeting_votes"
    __table_args__ = (UniqueConstraint("meeting_id", "submission_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="hamlet_meetings.id", index=True)
    submission_id: int = Field(foreign_key="submissions.id", index=True)
    present: int
    votes_for: int
    passed: bool
    rule: str = Field(max_length=200)  # the article the rule comes from
    at: datetime = _ts()


class Complaint(SQLModel, table=True):
    """A complaint (phản ánh) about a household on a posted list."""

    __tablename__ = "complaints"
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=16, unique=True, index=True)
    round_id: int = Field(foreign_key="review_rounds.id", index=True)
    submission_id: int = Field(foreign_key="submissions.id", index=True)
    sender_person_id: int | None = Field(default=None, foreign_key="people.id")
    channel: str | None = Field(default=None, max_length=16)
    chat_id: str | None = Field(default=None, max_length=64)
    text: str = Field(max_length=1000)
    status: str = Field(default="open", max_length=16, index=True)  # open | accepted | rejected
    reason: str | None = Field(default=None, max_length=1000)
    decided_by: int | None = Field(default=None, foreign_key="people.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    created_at: datetime = _ts()
