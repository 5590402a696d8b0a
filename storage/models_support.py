""" "Chung tay": who supports which household, with what; assigned helpers; each household's way
out; yearly targets per unit; contributions to the "Vì người nghèo" fund. Money is integer đồng."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import _ts
from storage.types import JSONType


class Supporter(SQLModel, table=True):
    """An organisation, business, family or officer that helps households, kept per commune."""

    __tablename__ = "supporters"
    __table_args__ = (UniqueConstraint("commune_id", "name_key"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="org_units.id", index=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)  # folded: no diacritics, lower case
    kind: str = Field(
        default="organisation", max_length=24
    )  # organisation|business|family|officer|other
    contact_person_id: int | None = Field(default=None, foreign_key="people.id")
    phone: str | None = Field(default=None, max_length=20)
    active: bool = True
    created_at: datetime = _ts()


class Support(SQLModel, table=True):
    """One act of support for a household (a loan, a cow, a health-insurance card …)."""

    __tablename__ = "supports"
    __table_args__ = (
        Index("ix_supports_household", "household_id", "given_on"),
        # A unit's supports of a year, read per hamlet of its subtree (the emulation report).
        Index("ix_supports_hamlet_given", "hamlet_id", "given_on", "value"),
    )
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="households.id")
    hamlet_id: int = Field(foreign_key="org_units.id")  # the household's (it never moves)
    supporter_id: int = Field(foreign_key="supporters.id", index=True)
    commune_id: int = Field(foreign_key="org_units.id", index=True)
    kind: str = Field(max_length=32)  # a code from domain/support_data
    value: int | None = None  # đồng, where the support has a value
    given_on: date = Field(sa_column=Column(Date, nullable=False))
    note: str | None = Field(default=None, max_length=500)
    recorded_by: int | None = Field(default=None, foreign_key="people.id")
    source: str = Field(default="chat", max_length=16)  # chat | api
    idempotency_key: str | None = Field(default=None, max_length=100, unique=True)
    created_at: datetime = _ts()


class Assignment(SQLModel, table=True):
    """The commune assigns a supporter to help a poor or near-poor household (phân công giúp đỡ)."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_household", "household_id", "active"),)
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="households.id")
    supporter_id: int = Field(foreign_key="supporters.id", index=True)
    assigned_on: date = Field(sa_column=Column(Date, nullable=False))
    ended_on: date | None = Field(default=None, sa_column=Column(Date))
    active: bool = True
    assigned_by: int | None = Field(default=None, foreign_key="people.id")
    created_at: datetime = _ts()


class HouseholdPlan(SQLModel, table=True):
    """A household's way out: the year it aims to exit and the supports agreed."""

    __tablename__ = "household_plans"
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="households.id", unique=True)
    target_year: int | None = None
    supports: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    note: str | None = Field(default=None, max_length=500)
    updated_by: int | None = Field(default=None, foreign_key="people.id")
    updated_at: datetime = _ts()


class Target(SQLModel, table=True):
    """A unit's yearly target: reduce the poor rate by this many hundredths of a percentage point
    (150 = 1,5 points)."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="org_units.id", index=True)
    year: int
    reduction_cpp: int  # hundredths of a percentage point
    set_by: str = Field(max_length=100)  # the audit actor who set it
    updated_at: datetime = _ts()


class FundContribution(SQLModel, table=True):
    """A contribution received by the "Vì người nghèo" fund, recorded by the officer."""

    __tablename__ = "fund_contributions"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="org_units.id", index=True)
    donor: str = Field(max_length=200)
    donor_kind: str = Field(default="organisation", max_length=24)
    value: int
    received_on: date = Field(sa_column=Column(Date, nullable=False))
    note: str | None = Field(default=None, max_length=500)
    recorded_by: str = Field(max_length=100)
    created_at: datetime = _ts()
