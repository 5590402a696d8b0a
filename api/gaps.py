"""The needs nobody addresses (issue 16): the poor and near-poor households of a unit, each need
(missing indicator or cause of poverty) and whoever addresses it, by name in the reader's
language."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel

from api.deps import ApiRouter
from api.exports import Lang, _translator
from api.lists import CallerDep, PagingDep, UnitQ, scope_root, units_by_id
from api.reports import UnitRef, unit_ref
from domain.calendar import local_day
from domain.causes import CAUSE_LABELS
from domain.i18n import Translator
from domain.standards import StandardsError, get_standard
from domain.support import Need, support_data
from storage.support_gaps import HouseholdGaps, gaps

router = ApiRouter(prefix="/api/v1/reports", tags=["reports"])


class NeedPublic(BaseModel):
    source: Literal["indicator", "cause"]
    code: str
    label: str
    kinds: list[str]  # the kinds of support that address it
    kind_labels: list[str]
    addressed_by: list[str]  # "helper", "support:<kind>", "plan:<kind>"; empty: nobody


class GapHousehold(BaseModel):
    id: int
    code: str
    head_name: str
    status: str
    hamlet_code: str
    hamlet_name: str
    standard: str | None  # of the assessment the missing indicators come from
    helpers: int
    needs: list[NeedPublic]
    open: int  # needs nobody addresses


class GapsPublic(BaseModel):
    unit: UnitRef
    households: int  # poor and near-poor
    with_open_needs: int
    without_helper: int
    total: int
    limit: int
    offset: int
    items: list[GapHousehold]


def need_public(t: Translator, need: Need, standard_id: str | None, standards: Any) -> NeedPublic:
    label = need.code
    if need.source == "cause" and need.code in CAUSE_LABELS:
        label = t(CAUSE_LABELS[need.code])
    elif need.source == "indicator":
        try:
            label = get_standard(standard_id or "", standards).indicator(need.code).name
        except (StandardsError, KeyError):
            pass
    data = support_data()
    return NeedPublic(
        source=need.source,  # type: ignore[arg-type]
        code=need.code,
        label=label,
        kinds=list(need.kinds),
        kind_labels=[data.support_kind(k).name(t.locale) for k in need.kinds],
        addressed_by=list(need.addressed_by),
    )


@router.get("/gaps", response_model=GapsPublic)
async def gaps_report(
    c: CallerDep,
    paging: PagingDep,
    unit: UnitQ = None,
    everyone: Annotated[
        bool, Query(alias="all", description="every poor and near-poor household")
    ] = False,
    lang: Lang = None,
) -> GapsPublic:
    """The poor and near-poor households of the unit whose needs (missing indicators of their
    latest approved assessment, causes of poverty) nobody addresses: no helper assigned, no
    support of a matching kind in the last 12 months, no plan naming one."""
    root = await scope_root(c, unit)
    rows = await gaps(c.db, root_id=root.id, today=local_day(c.services.clock()))  # type: ignore[arg-type]
    listed = rows if everyone else [r for r in rows if r.open]
    shown = listed[paging.offset : paging.offset + paging.limit]
    hamlets = await units_by_id(c.db, [r.household.hamlet_id for r in shown])
    t = _translator(c.services, lang)
    standards = c.services.conversations.engine.env.get("standards")

    def item(r: HouseholdGaps) -> GapHousehold:
        h, hamlet = r.household, hamlets.get(r.household.hamlet_id)
        return GapHousehold(
            id=h.id,  # type: ignore[arg-type]
            code=h.code,
            head_name=h.head_name,
            status=h.status,
            hamlet_code=hamlet.code if hamlet else "",
            hamlet_name=hamlet.name if hamlet else "",
            standard=r.standard_id,
            helpers=len(r.helpers),
            needs=[need_public(t, n, r.standard_id, standards) for n in r.needs],
            open=len(r.open),
        )

    return GapsPublic(
        unit=unit_ref(root),
        households=len(rows),
        with_open_needs=sum(1 for r in rows if r.open),
        without_helper=sum(1 for r in rows if not r.helpers),
        total=len(listed),
        limit=paging.limit,
        offset=paging.offset,
        items=[item(r) for r in shown],
    )
