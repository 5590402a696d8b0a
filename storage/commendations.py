"""What a unit's year is made of beyond the ranking, and who may be commended for it: support
given by kind and by supporter, the fund's donors, and households out of poverty for the rules'
years (2) that support others (issue 16, item 5). Aggregated by the database; Python only joins
the few family supporters to their households.

A household is linked to the family supporter it is (a Supporter of kind "family") when the
supporter's contact person speaks for it (Person.household_id, the clean link), or else by name:
the supporter's folded name, without a leading "gia đình ông", "hộ bà", … (domain.emulation
rules), is the head's name of exactly one registered household of the supporter's commune. Two
households with that name in the commune link neither: a name alone cannot tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.emulation import family_keys, rules, years_before
from domain.i18n import LOCAL_TZ
from storage.emulation import Window, exits_between, still_out
from storage.models import OrgUnit, Person
from storage.models_register import Household, Submission
from storage.models_support import FundContribution, Support, Supporter
from storage.orgtree import subtree_ids
from storage.reports import _start_of

FAMILY = "family"
CONTACT, NAME = "contact", "name"  # how a family supporter was linked to its household


@dataclass(frozen=True)
class Given:
    count: int
    value: int  # đồng
    households: int  # households helped


def _given(count: Any, value: Any, households: Any) -> Given:
    return Given(int(count or 0), int(value or 0), int(households or 0))


def _tallies() -> tuple[Any, Any, Any]:
    return (
        func.count(),
        func.coalesce(func.sum(Support.value), 0),
        func.count(func.distinct(Support.household_id)),
    )


def _in_year(root_id: int, first: date, last: date) -> tuple[Any, ...]:
    """Support given to households under the unit between the two days."""
    return (
        Support.given_on >= first,  # type: ignore[operator]
        Support.given_on <= last,  # type: ignore[operator]
        Household.hamlet_id.in_(subtree_ids(root_id)),  # type: ignore[attr-defined]
    )


async def support_by_kind(
    db: AsyncSession, *, root_id: int, first: date, last: date
) -> list[tuple[str, Given]]:
    """Per kind of support (its code), most given in đồng first."""
    stmt = (
        select(Support.kind, *_tallies())
        .join(Household, Household.id == Support.household_id)
        .where(*_in_year(root_id, first, last))
        .group_by(Support.kind)
    )
    rows = [(kind, _given(*rest)) for kind, *rest in await db.execute(stmt)]
    return sorted(rows, key=lambda r: (-r[1].value, -r[1].count, r[0]))


@dataclass(frozen=True)
class SupporterGiven:
    id: int
    name: str
    kind: str
    commune: str  # the commune's name
    given: Given


async def support_by_supporter(
    db: AsyncSession, *, root_id: int, first: date, last: date, limit: int
) -> tuple[list[SupporterGiven], int]:
    """The supporters who gave most (đồng, then acts of support), and how many gave any."""
    tallies = (
        select(Support.supporter_id, *_tallies())
        .join(Household, Household.id == Support.household_id)
        .where(*_in_year(root_id, first, last))
        .group_by(Support.supporter_id)
        .subquery()
    )
    t = tallies.c
    count, value, households = (t[k] for k in list(t.keys())[1:])
    stmt = (
        select(Supporter.id, Supporter.name, Supporter.kind, OrgUnit.name, count, value, households)
        .join(tallies, t.supporter_id == Supporter.id)
        .join(OrgUnit, OrgUnit.id == Supporter.commune_id)
        .order_by(value.desc(), count.desc(), Supporter.name_key, Supporter.id)
        .limit(limit)
    )
    rows = [
        SupporterGiven(i, name, kind, commune, _given(*rest))
        for i, name, kind, commune, *rest in await db.execute(stmt)
    ]
    total = (await db.execute(select(func.count()).select_from(tallies))).scalar_one()
    return rows, int(total)


@dataclass(frozen=True)
class Donor:
    name: str
    kind: str
    count: int
    value: int


async def donors(
    db: AsyncSession, *, root_id: int, first: date, last: date, limit: int
) -> tuple[list[Donor], int]:
    """The fund's donors under the unit, largest total first, and how many there were."""
    f = FundContribution
    value = func.sum(f.value)
    grouped = (
        select(f.donor, f.donor_kind, func.count().label("n"), value.label("value"))
        .where(
            f.unit_id.in_(subtree_ids(root_id)),  # type: ignore[attr-defined]
            f.received_on >= first,  # type: ignore[operator]
            f.received_on <= last,  # type: ignore[operator]
        )
        .group_by(f.donor, f.donor_kind)
        .subquery()
    )
    g = grouped.c
    stmt = select(g.donor, g.donor_kind, g.n, g.value).order_by(g.value.desc(), g.donor)
    rows = [Donor(d, k, int(n), int(v)) for d, k, n, v in await db.execute(stmt.limit(limit))]
    total = (await db.execute(select(func.count()).select_from(grouped))).scalar_one()
    return rows, int(total)


@dataclass(frozen=True)
class ExitedSupporter:
    """A household out of poverty for the rules' years that supports others, as a family."""

    household_id: int
    household_code: str
    head_name: str
    hamlet: str
    exited_on: date  # the day of the decision that took it out of poverty
    supporter_id: int
    supporter_name: str
    link: str  # CONTACT | NAME
    given: Given  # to other households, in the year


async def _family_support(
    db: AsyncSession, root_id: int, w: Window
) -> dict[int, tuple[Supporter, dict[int, tuple[int, int]]]]:
    """Family supporters who gave in the year: supporter id -> (supporter, {household id:
    (acts, đồng)})."""
    stmt = (
        select(Supporter, Support.household_id, func.count(), func.sum(Support.value))
        .join(Support, Support.supporter_id == Supporter.id)
        .join(Household, Household.id == Support.household_id)
        .where(Supporter.kind == FAMILY, *_in_year(root_id, w.first, w.last))
        .group_by(Supporter.id, Support.household_id)  # type: ignore[arg-type]
    )
    out: dict[int, tuple[Supporter, dict[int, tuple[int, int]]]] = {}
    for supporter, household_id, n, value in await db.execute(stmt):
        out.setdefault(supporter.id, (supporter, {}))[1][household_id] = (int(n), int(value or 0))
    return out


async def _links(db: AsyncSession, family: list[Supporter]) -> dict[int, tuple[int, str]]:
    """Supporter id -> (its household's id, CONTACT or NAME)."""
    out: dict[int, tuple[int, str]] = {}
    contacts = {s.contact_person_id: s.id for s in family if s.contact_person_id is not None}
    if contacts:
        stmt = select(Person.id, Person.household_id).where(
            Person.id.in_(contacts),  # type: ignore[union-attr]
            Person.household_id.is_not(None),  # type: ignore[union-attr]
        )
        for person_id, household_id in await db.execute(stmt):
            out[contacts[person_id]] = (household_id, CONTACT)
    prefixes = rules().family_prefixes
    keys = {s.id: family_keys(s.name_key, prefixes) for s in family if s.id not in out}
    if not keys:
        return out
    stmt = select(Household.id, Household.commune_id, Household.name_key).where(  # type: ignore[assignment]
        Household.commune_id.in_({s.commune_id for s in family}),  # type: ignore[attr-defined]
        Household.name_key.in_(set().union(*keys.values())),  # type: ignore[attr-defined]
        Household.active.is_(True),  # type: ignore[attr-defined]
    )
    named: dict[tuple[int, str], list[int]] = {}
    for household_id, commune_id, name_key in await db.execute(stmt):
        named.setdefault((commune_id, name_key), []).append(household_id)
    for s in family:
        if s.id in keys:
            found = {h for k in keys[s.id] for h in named.get((s.commune_id, k), [])}
            if len(found) == 1:
                out[s.id] = (found.pop(), NAME)  # type: ignore[index]
    return out


async def exited_supporters(
    db: AsyncSession, *, root_id: int, w: Window, limit: int
) -> list[ExitedSupporter]:
    """Family supporters whose own household has been out of poverty for the rules' years by
    the window's last day, with the support they gave other households in the year."""
    given = await _family_support(db, root_id, w)
    links = await _links(db, [s for s, _ in given.values()])
    if not links:
        return []
    before = _start_of(years_before(w.last, rules().sustainable_years) + timedelta(days=1))
    exits = exits_between(
        None,
        before,
        Submission.household_id.in_({h for h, _ in links.values()}),  # type: ignore[union-attr]
    )
    stmt = (
        select(Household.id, Household.code, Household.head_name, OrgUnit.name, exits.c.last)
        .join(exits, exits.c.household_id == Household.id)
        .join(OrgUnit, OrgUnit.id == Household.hamlet_id)
        .where(still_out(exits, w.end))
    )
    out = {h: rest for h, *rest in await db.execute(stmt)}
    found = []
    for supporter_id, (household_id, link) in links.items():
        if household_id not in out:
            continue
        code, head, hamlet, exited_at = out[household_id]
        supporter, helped = given[supporter_id]
        others = {h: v for h, v in helped.items() if h != household_id}
        if not others:
            continue
        total = Given(
            sum(n for n, _ in others.values()), sum(v for _, v in others.values()), len(others)
        )
        found.append(
            ExitedSupporter(
                household_id,
                code,
                head,
                hamlet,
                _local_day(exited_at),
                supporter_id,
                supporter.name,
                link,
                total,
            )
        )
    found.sort(key=lambda c: (-c.given.value, -c.given.count, c.exited_on, c.household_id))
    return found[:limit]


def _local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()
