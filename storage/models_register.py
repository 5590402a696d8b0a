"""The household register: households, assessments, submissions, periods, hamlet reports.

A household's status changes only when a submission about it is approved, so the history of
submissions, assessments and decisions is the household's complete timeline.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from domain.changes import CHANGE_KINDS, EXIT_REGISTRATION  # noqa: F401  (re-exported)
from storage.models import _ts
from storage.types import JSONType, UTCDateTime

STATUSES = ("poor", "near_poor", "average", "not_poor", "unknown")
SUBMISSION_STATES = (
    "submitted",
    "hamlet_reviewed",
    "meeting_passed",
    "meeting_failed",
    "accepted",
    "posted",
    "approved",
    "returned",
    "rejected",
)


LISTED_CONDITION = "active AND status IN ('poor', 'near_poor')"


class Household(SQLModel, table=True):
    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("commune_id", "code"),
        Index("ix_households_hamlet_name", "hamlet_id", "name_key"),
        # Households by hamlet and state, for the lists that filter on them (the report
        # figures count household_tallies instead, kept by triggers).
        Index("ix_households_tally", "hamlet_id", "status", "active", "ethnic_minority"),
        # The households on the lists with their latest assessment, for the indicators report
        # (storage.indicators.LISTED): a province's ~10 % of its households, read off the index.
        Index(
            "ix_households_listed",
            "hamlet_id",
            "status",
            postgresql_include=["id", "deprived", "assessed_at"],
            postgresql_where=text(LISTED_CONDITION),
            sqlite_where=text(LISTED_CONDITION),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32)
    commune_id: int = Field(foreign_key="org_units.id", index=True)
    hamlet_id: int = Field(foreign_key="org_units.id", index=True)
    head_name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)  # folded: no diacritics, lower case
    members: int = 1
    ethnic_minority: bool = False
    phone: str | None = Field(default=None, max_length=20)
    area: str = Field(default="rural", max_length=8)
    status: str = Field(default="unknown", max_length=16, index=True)
    status_since: date | None = Field(default=None, sa_column=Column(Date))
    active: bool = True  # False once moved out or dissolved (approved)
    causes: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    # The latest approved assessment (storage.register._apply keeps them): the indicators it
    # found lacking and its decision's moment. The indicators report reads these instead of
    # probing the household's assessments wherever that moment is before the period's end.
    deprived: list[str] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    assessed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ReportingPeriod(SQLModel, table=True):
    __tablename__ = "reporting_periods"
    __table_args__ = (UniqueConstraint("kind", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # monthly | annual
    code: str = Field(max_length=16)  # "2026-11", "2026"
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))
    hamlet_deadline: datetime = Field(sa_type=UTCDateTime())
    commune_deadline: datetime = Field(sa_type=UTCDateTime())
    standard_id: str | None = Field(default=None, max_length=32)  # None: the one in force
    status: str = Field(default="open", max_length=16)
    created_at: datetime = _ts()


class Submission(SQLModel, table=True):
    """A change report by a hamlet head or an exit registration by a household."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_commune_status", "commune_id", "status"),
        # Covers the report figures' scan of a period's approvals (index-only on PostgreSQL).
        Index(
            "ix_submissions_flows",
            "status",
            "decided_at",
            "hamlet_id",
            "kind",
            "before_status",
            "before_active",
            "after_status",
            "after_active",
        ),
        # The same, by hamlet first: a province's or commune's own approvals (storage.emulation).
        Index(
            "ix_submissions_hamlet_flows",
            "hamlet_id",
            "status",
            "decided_at",
            "kind",
            "before_status",
            "before_active",
            "after_status",
            "after_active",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=16, unique=True, index=True)
    idempotency_key: str = Field(max_length=100, unique=True)
    kind: str = Field(max_length=24, index=True)
    source: str = Field(max_length=16)  # hamlet_head | household
    household_id: int | None = Field(default=None, foreign_key="households.id", index=True)
    hamlet_id: int = Field(foreign_key="org_units.id", index=True)
    commune_id: int = Field(foreign_key="org_units.id")
    period_id: int | None = Field(default=None, foreign_key="reporting_periods.id", index=True)
    # The review round whose posted list carries it (set when the commune starts the posting).
    round_id: int | None = Field(default=None, foreign_key="review_rounds.id", index=True)
    reporter_id: int | None = Field(default=None, foreign_key="people.id")
    answers: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    note: str | None = Field(default=None, max_length=1000)
    status: str = Field(default="submitted", max_length=16, index=True)
    decision_reason: str | None = Field(default=None, max_length=1000)
    decided_by: int | None = Field(default=None, foreign_key="people.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    # The household's register state just before and just after an approval decided it (set by
    # storage.register.decide); the report figures are sums over these transitions.
    before_status: str | None = Field(default=None, max_length=16)
    before_active: bool | None = None
    after_status: str | None = Field(default=None, max_length=16)
    after_active: bool | None = None
    revision: int = 1
    submitted_at: datetime = _ts(index=True)


class Assessment(SQLModel, table=True):
    __tablename__ = "assessments"
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    submission_id: int | None = Field(default=None, foreign_key="submissions.id")
    standard_id: str = Field(max_length=32)
    income_per_capita: int
    members: int
    deprived: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    klass: str = Field(max_length=16)
    source: str = Field(max_length=16)  # hamlet_head | household | officer
    assessed_by: int | None = Field(default=None, foreign_key="people.id")
    approved: bool = False
    created_at: datetime = _ts()


class HouseholdTally(SQLModel, table=True):
    """How many households of a hamlet are in each register state: kept by database triggers on
    households (migration 0011) in the same transaction as the change, so the report figures
    count a province's few thousand tallies instead of its hundreds of thousands of households."""

    __tablename__ = "household_tallies"
    hamlet_id: int = Field(foreign_key="org_units.id", primary_key=True)
    status: str = Field(max_length=16, primary_key=True)
    active: bool = Field(primary_key=True)
    ethnic_minority: bool = Field(primary_key=True)
    n: int = 0


class HamletReport(SQLModel, table=True):
    """A hamlet's answer for a period; redone before the deadline as a new version."""

    __tablename__ = "hamlet_reports"
    __table_args__ = (UniqueConstraint("period_id", "hamlet_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="reporting_periods.id", index=True)
    hamlet_id: int = Field(foreign_key="org_units.id", index=True)
    version: int = 1
    current: bool = True
    no_change: bool = False
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    total_households: int | None = None
    submitted_by: int | None = Field(default=None, foreign_key="people.id")
    submitted_at: datetime = _ts()
    on_time: bool = True
    status: str = Field(default="submitted", max_length=16)  # submitted | approved | returned
