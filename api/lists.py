"""What the resource routers share: pages, the token's scope and roles, lists as CSV.

Every list answers `?limit=&offset=` with `{"total", "limit", "offset", "items"}`, and the same
filters give the whole list as CSV under /api/v1/exports/<name>.csv (UTF-8 with BOM, headers in
the server's language or `lang=`), written by the aggregate exports' CSV writer. The JSON keeps
the codes (`exited_near_poverty`, `poor`, `rural`); the CSV, read by people in a spreadsheet,
shows them as the words the chat and the documents use ("Thoát cận nghèo", "Hộ nghèo").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.deps import (
    ApiError,
    CurrentToken,
    ErrorBody,
    Principal,
    ServicesDep,
    SessionDep,
    unit_in_scope,
)
from api.exports import _csv, _translator
from api.reports import _standards
from api.xlsx import area_word
from bot.services import Services
from conversations.flows.assess import CLASS_LABELS, KIND_LABELS
from conversations.flows.onboarding import ROLE_LABELS
from conversations.flows.review import STATE_LABELS
from domain.calendar import local_day
from domain.i18n import N_, Translator, capitalised
from domain.periods import KIND_LABELS as PERIOD_KIND_LABELS
from domain.standards import AREAS, standard_for
from handlers.notify import Notice, enqueue_notices
from storage.hamlet_reports import find_period
from storage.models import OrgUnit
from storage.models_register import ReportingPeriod
from storage.orgtree import subtree_ids
from storage.paging import page

UnitQ = Annotated[str | None, Query(description="org unit code (default: the token's unit)")]
PeriodQ = Annotated[str | None, Query(description="period code, e.g. 2026-11 or 2026")]
PeriodKindQ = Annotated[Literal["monthly", "annual"], Query()]
MAX_LIMIT = 200
MAX_OFFSET = 2**31 - 1  # both databases take it as an OFFSET
CSV_MAX_ROWS = 100_000
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Paging:
    return Paging(limit, offset)


PagingDep = Annotated[Paging, Depends(paging)]
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # a row id (PostgreSQL integer)
ALL_ROWS = Paging(CSV_MAX_ROWS, 0)


def refusal(description: str) -> dict[str, Any]:
    """An extra documented status of a route (401/403/404 bodies are the same shape)."""
    return {"model": ErrorBody, "description": description}


class Page(BaseModel, Generic[T]):
    total: int
    limit: int
    offset: int
    items: list[T]


@dataclass(frozen=True)
class Caller:
    """What every resource endpoint works with: the services, a session, the token."""

    services: Services
    db: AsyncSession
    principal: Principal


async def caller(services: ServicesDep, db: SessionDep, principal: CurrentToken) -> Caller:
    return Caller(services, db, principal)


CallerDep = Annotated[Caller, Depends(caller)]


async def commit_with_notices(c: Caller, notices: list[Notice], now: datetime) -> None:
    """Commit the decision with its notices in the outbox, then wake the sender (a `serve`
    worker has none: the scheduler's sender delivers them)."""
    await enqueue_notices(c.db, notices, now)
    await c.db.commit()
    deliver = c.services.conversations.deliver
    if notices and deliver is not None:
        deliver()


async def page_of(
    db: AsyncSession,
    stmt: Select[tuple[R]],
    order: Sequence[Any],
    p: Paging,
    publish: Callable[[AsyncSession, list[R]], Awaitable[list[T]]],
) -> Page[T]:
    """One page of the query, each row turned into its response model by `publish`."""
    rows, total = await page(db, stmt, *order, limit=p.limit, offset=p.offset)
    return Page(total=total, limit=p.limit, offset=p.offset, items=await publish(db, rows))


@dataclass(frozen=True)
class Where:
    """The unit and period a list is limited to (unit None: the token's own unit)."""

    unit: str | None
    period: str | None
    period_kind: str


def where(
    unit: UnitQ = None, period: PeriodQ = None, period_kind: PeriodKindQ = "monthly"
) -> Where:
    return Where(unit, period, period_kind)


WhereDep = Annotated[Where, Depends(where)]


async def period_or_404(db: AsyncSession, code: str | None, kind: str) -> ReportingPeriod | None:
    """The period a list is filtered by (None: no filter); 404 when there is no such period."""
    if code is None:
        return None
    found = await find_period(db, kind=kind, code=code)
    if found is None:
        raise ApiError(404, "not_found")
    return found


def require_role(principal: Principal, *roles: str) -> None:
    """403 unless the token has one of these roles."""
    if principal.role not in roles:
        raise ApiError(403, "forbidden")


async def scope_root(c: Caller, code: str | None) -> OrgUnit:
    """The unit a list is limited to: `code` (in scope, else 403/404) or the token's own unit."""
    if code:
        return await unit_in_scope(c.services, c.db, c.principal, code)
    unit = await c.db.get(OrgUnit, c.principal.unit_id)
    if unit is None:  # the token's unit was deleted under it
        raise ApiError(403, "forbidden")
    return unit


def under(column: Any, unit: OrgUnit) -> ColumnElement[bool]:
    """`column` (an org unit id) lies in the unit's subtree."""
    return column.in_(subtree_ids(unit.id))  # type: ignore[arg-type,no-any-return]


async def units_by_id(db: AsyncSession, ids: Iterable[int | None]) -> dict[int, OrgUnit]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await db.execute(select(OrgUnit).where(OrgUnit.id.in_(wanted)))  # type: ignore[union-attr]
    return {u.id: u for u in rows.scalars()}  # type: ignore[misc]


Column = tuple[str, Callable[[Any], object]]


def _merged(*vocabularies: Mapping[str, str]) -> dict[str, str]:
    """One column's codes and their labels (msgids) from several lists; a code two lists would
    label differently is a mistake caught on import."""
    out: dict[str, str] = {}
    for vocabulary in vocabularies:
        for code, msgid in vocabulary.items():
            if out.setdefault(code, msgid) != msgid:
                raise ValueError(f"{code!r} has two labels: {out[code]!r}, {msgid!r}")
    return out


# The labels of the codes a list's column holds, by the column's header: the chat's words for a
# submission's kind and state, a household's class, a person's role; a period's kind and state;
# an invite's state; a unit's level. The lists sharing a header have disjoint codes (a household
# is "poor", a submission "approved", a period "open", a reminder "sent"); a code with no label
# (a level of another tree) is written as it is. The area is its own case (area_word).
INVITE_STATE_LABELS = {
    "pending": N_("not used yet"),
    "used": N_("used"),
    "expired": N_("expired"),
}
LEVEL_LABELS = {
    "province": N_("province"),
    "commune": N_("commune"),
    "hamlet": N_("hamlet"),
}
PERIOD_STATUS_LABELS = {"open": N_("open"), "closed": N_("closed")}
# A reminder's (an outbox row's) state, and why one was not sent.
REMINDER_STATUS_LABELS = {
    "pending": N_("waiting to be sent"),
    "claimed": N_("being sent"),
    "sending": N_("being sent"),
    "sent": N_("sent"),
    "failed": N_("could not be sent"),
    "skipped": N_("not sent"),
    "uncertain": N_("perhaps sent (the sender stopped while sending)"),
}
REMINDER_REASON_LABELS = {
    "no_linked_chat": N_("no chat linked"),
    "inactive_account": N_("the chat account is inactive"),
    "already_reported": N_("already reported"),
    "superseded": N_("a newer reminder went instead"),
    "missed": N_("too late after a downtime"),
}
CODE_LABELS: dict[str, dict[str, str]] = {
    N_("Kind"): _merged(KIND_LABELS, PERIOD_KIND_LABELS),
    N_("Status"): _merged(CLASS_LABELS, STATE_LABELS, PERIOD_STATUS_LABELS, REMINDER_STATUS_LABELS),
    N_("Reason"): REMINDER_REASON_LABELS,
    N_("Role"): _merged(ROLE_LABELS, {"province": N_("province staff")}),
    N_("State"): INVITE_STATE_LABELS,
    N_("Level"): LEVEL_LABELS,
}
AREA_HEADER = N_("Area")


def code_labellers(services: Services, t: Translator) -> dict[str, Callable[[str], str]]:
    """Per column header: a code to its label in `t`'s language, capitalised as a cell starts
    ("Hộ nghèo"); an unknown code unchanged. The area in the words of the standard in force
    today ("Nông thôn"; "Đô thị" under NĐ 351/2025), as the summary names it for a period."""

    def labeller(labels: Mapping[str, str]) -> Callable[[str], str]:
        return lambda code: capitalised(t(labels[code])) if code in labels else code

    standard = standard_for(
        local_day(services.clock()), _standards(services.settings.standards_dir or None)
    )
    out = {header: labeller(labels) for header, labels in CODE_LABELS.items()}
    out[AREA_HEADER] = lambda code: (
        capitalised(area_word(t, standard, code)) if code in AREAS else code
    )
    return out


def list_csv(
    services: Services,
    lang: str | None,
    filename: str,
    columns: Sequence[Column],
    items: Iterable[BaseModel],
) -> Response:
    """The items as CSV: one column per (header msgid, getter); dates in Hà Nội time; the
    codes of a column CODE_LABELS (or the area) knows as their labels."""
    t = _translator(services, lang)
    labellers = code_labellers(services, t)
    plain: Callable[[str], str] = str

    def cell(value: object, label: Callable[[str], str]) -> object:
        if isinstance(value, datetime):
            return t.datetime(value)
        if isinstance(value, date):
            return t.date(value)
        if isinstance(value, bool):
            return t("Yes") if value else t("No")
        if isinstance(value, str):
            return label(value)
        return value

    labels = [labellers.get(header, plain) for header, _ in columns]
    rows = [
        [cell(get(item), label) for (_, get), label in zip(columns, labels, strict=True)]
        for item in items
    ]
    return _csv(filename, [t(h) for h, _ in columns], rows)
