"""Review rounds of a commune (QĐ 24/2021): list, the round's standard, the public posting,
the decision that closes it; complaints about posted households and the officer's answer."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.deps import ApiError, ApiRouter, ensure_within
from api.lists import (
    Caller,
    CallerDep,
    commit_with_notices,
    refusal,
    require_role,
    scope_root,
    under,
)
from domain.calendar import local_day
from domain.standards import StandardsError, get_standard
from handlers.notify import Notice
from handlers.procedure_actions import answer_complaint, close_and_notify
from storage.complaints import ComplaintRefused, complaint_by_ref
from storage.models import OrgUnit
from storage.models_procedure import Complaint, ReviewRound
from storage.models_register import Household, Submission
from storage.orgtree import subtree_ids, unit_by_id
from storage.rounds import (
    RoundRefused,
    current_round,
    posted,
    round_public,
    rounds_of,
    set_standard,
    start_posting,
)

router = ApiRouter(prefix="/api/v1", tags=["rounds"])
WRITERS = ("officer", "admin")
COMMUNE = "commune"


class RoundPublic(BaseModel):
    id: int
    kind: Literal["regular", "periodic"]
    code: str
    standard: str
    status: Literal["open", "posting", "closed"]
    starts_on: date
    ends_on: date
    posting_starts_on: date | None
    posting_ends_on: date | None
    decision_number: str | None
    decision_date: date | None
    decision_signer: str | None
    decision_due: date
    commune: str


class RoundList(BaseModel):
    items: list[RoundPublic]


class RoundChange(BaseModel):
    standard: str = Field(max_length=32, description="e.g. nd351-2025")


class PostingIn(BaseModel):
    starts_on: date | None = Field(default=None, description="first day posted (default today)")


class ListedHousehold(BaseModel):
    ref: str
    kind: str
    status: str
    household_code: str | None
    head_name: str | None
    hamlet_id: int
    result: dict[str, object]


class PostingOut(BaseModel):
    round: RoundPublic
    items: list[ListedHousehold]


class DecisionIn(BaseModel):
    number: str = Field(min_length=1, max_length=64, description="e.g. 123/QĐ-UBND")
    date: date
    signer: str = Field(min_length=2, max_length=200, description="the chairman who signs")


class DecisionOut(BaseModel):
    round: RoundPublic
    decided: int
    notified: int


class ComplaintPublic(BaseModel):
    ref: str
    round_id: int
    submission_ref: str
    household: str | None
    text: str
    status: Literal["open", "accepted", "rejected"]
    reason: str | None


class ComplaintList(BaseModel):
    items: list[ComplaintPublic]


class ComplaintDecisionIn(BaseModel):
    decision: Literal["accept", "reject"]
    reason: str | None = Field(default=None, max_length=1000)


def _public(rnd: ReviewRound, commune_code: str) -> RoundPublic:
    return RoundPublic(**round_public(rnd), commune=commune_code)  # type: ignore[arg-type]


async def _round(c: Caller, round_id: int) -> tuple[ReviewRound, str]:
    rnd = await c.db.get(ReviewRound, round_id) if 0 < round_id < 2**31 else None
    if rnd is None:
        raise ApiError(404, "not_found")
    await ensure_within(
        c.services, c.db, c.principal, unit_id=rnd.commune_id, entity=f"round:{rnd.id}"
    )
    commune = await unit_by_id(c.db, rnd.commune_id)
    return rnd, commune.code if commune else ""


def _standards(c: Caller):  # type: ignore[no-untyped-def]
    return c.services.conversations.engine.env.get("standards")


@router.get("/rounds", response_model=RoundList)
async def list_rounds(
    c: CallerDep, unit: Annotated[str | None, Query(max_length=32)] = None
) -> RoundList:
    """The rounds of a commune (the round under way is created when first asked for), or of
    every commune under a province, newest first."""
    root = await scope_root(c, unit)
    communes = (
        (
            await c.db.execute(
                select(OrgUnit).where(under(OrgUnit.id, root), OrgUnit.level == COMMUNE)
            )
        )
        .scalars()
        .all()
    )
    if root.level == COMMUNE:
        await current_round(
            c.db,
            commune_id=root.id,
            now=c.services.clock(),
            standards=_standards(c),  # type: ignore[arg-type]
        )
        await c.db.commit()
    codes = {u.id: u.code for u in communes}
    rounds = await rounds_of(c.db, commune_ids=list(codes))
    return RoundList(items=[_public(r, codes[r.commune_id]) for r in rounds])


@router.patch(
    "/rounds/{round_id}",
    response_model=RoundPublic,
    responses={409: refusal("The round is posted or closed"), 422: refusal("Unknown standard")},
)
async def change_round(c: CallerDep, round_id: int, body: RoundChange) -> RoundPublic:
    """Change the standard the round classifies by (before its list is posted)."""
    require_role(c.principal, *WRITERS)
    rnd, code = await _round(c, round_id)
    try:
        get_standard(body.standard, _standards(c))
    except StandardsError:
        raise ApiError(422, "unknown_standard") from None
    try:
        await set_standard(c.db, rnd=rnd, standard_id=body.standard, actor=c.principal.actor)
    except RoundRefused as exc:
        raise ApiError(409, exc.code) from None
    await c.db.commit()
    return _public(rnd, code)


async def _listed(c: Caller, subs: list[Submission]) -> list[ListedHousehold]:
    ids = {s.household_id for s in subs if s.household_id}
    found = (
        (await c.db.execute(select(Household).where(Household.id.in_(ids)))).scalars().all()  # type: ignore[union-attr]
        if ids
        else []
    )
    by_id = {h.id: h for h in found}
    out = []
    for s in subs:
        h = by_id.get(s.household_id) if s.household_id else None
        a = s.answers or {}
        out.append(
            ListedHousehold(
                ref=s.ref,
                kind=s.kind,
                status=s.status,
                household_code=h.code if h else None,
                head_name=h.head_name if h else (a.get("head_name") or a.get("name")),
                hamlet_id=s.hamlet_id,
                result=s.result or {},
            )
        )
    return out


@router.post(
    "/rounds/{round_id}/posting",
    response_model=PostingOut,
    responses={
        409: refusal(
            "round_not_open, nothing_to_post, posting_before_meeting (it starts before a hamlet"
            " meeting that passed a household on it), posting_over (its complaint window would"
            " already be over)"
        )
    },
)
async def post_list(c: CallerDep, round_id: int, body: PostingIn) -> PostingOut:
    """Post the round's preliminary list (every submission the commune accepted) for the
    working days the procedure sets; complaints can be sent until the posting ends."""
    require_role(c.principal, *WRITERS)
    rnd, code = await _round(c, round_id)
    today = local_day(c.services.clock())
    starts = body.starts_on or today
    try:
        subs = await start_posting(
            c.db, rnd=rnd, starts_on=starts, actor=c.principal.actor, today=today
        )
    except RoundRefused as exc:
        await c.db.rollback()
        raise ApiError(409, exc.code) from None
    items = await _listed(c, subs)
    await c.db.commit()
    return PostingOut(round=_public(rnd, code), items=items)


@router.get("/rounds/{round_id}/list", response_model=PostingOut)
async def round_list(c: CallerDep, round_id: int) -> PostingOut:
    """The households on the round's list: posted, or decided by the round's decision."""
    rnd, code = await _round(c, round_id)
    if rnd.status == "closed":
        stmt = select(Submission).where(
            Submission.round_id == rnd.id, Submission.status == "approved"
        )
        subs = list((await c.db.execute(stmt.order_by(Submission.id))).scalars().all())
    else:
        subs = await posted(c.db, round_id=rnd.id)  # type: ignore[arg-type]
    return PostingOut(round=_public(rnd, code), items=await _listed(c, subs))


@router.post(
    "/rounds/{round_id}/decision",
    response_model=DecisionOut,
    responses={
        409: refusal(
            "posting_required, posting_not_over, complaint_open, round_closed or decision_in_future"
        )
    },
)
async def decide_round(c: CallerDep, round_id: int, body: DecisionIn) -> DecisionOut:
    """Close the round with the commune chairman's decision: the households on the posted list
    change status on the decision's date, and their reporters are told."""
    require_role(c.principal, *WRITERS)
    rnd, code = await _round(c, round_id)
    now = c.services.clock()
    notices: list[Notice] = []
    try:
        subs = await close_and_notify(
            c.db,
            rnd=rnd,
            number=body.number.strip(),
            decided_on=body.date,
            signer=body.signer.strip(),
            officer_id=None,
            actor=c.principal.actor,
            now=now,
            notices=notices,
        )
    except RoundRefused as exc:
        await c.db.rollback()
        raise ApiError(409, exc.code) from None
    await commit_with_notices(c, notices, now)
    return DecisionOut(round=_public(rnd, code), decided=len(subs), notified=len(notices))


async def _complaint_public(c: Caller, rows: list[Complaint]) -> list[ComplaintPublic]:
    out = []
    for k in rows:
        sub = await c.db.get(Submission, k.submission_id)
        h = await c.db.get(Household, sub.household_id) if sub and sub.household_id else None
        out.append(
            ComplaintPublic(
                ref=k.ref,
                round_id=k.round_id,
                submission_ref=sub.ref if sub else "",
                household=h.head_name if h else None,
                text=k.text,
                status=k.status,  # type: ignore[arg-type]
                reason=k.reason,
            )
        )
    return out


@router.get("/complaints", response_model=ComplaintList)
async def list_complaints(
    c: CallerDep,
    unit: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[Literal["open", "accepted", "rejected"] | None, Query()] = None,
) -> ComplaintList:
    """Complaints about households on posted lists in the unit, oldest first."""
    root = await scope_root(c, unit)
    stmt = (
        select(Complaint)
        .join(ReviewRound, ReviewRound.id == Complaint.round_id)  # type: ignore[arg-type]
        .where(ReviewRound.commune_id.in_(subtree_ids(root.id)))  # type: ignore[attr-defined,arg-type]
    )
    if status:
        stmt = stmt.where(Complaint.status == status)
    rows = list((await c.db.execute(stmt.order_by(Complaint.id))).scalars().all())
    return ComplaintList(items=await _complaint_public(c, rows))


@router.post(
    "/complaints/{ref}/decision",
    response_model=ComplaintPublic,
    responses={409: refusal("Already answered"), 422: refusal("A rejection needs a reason")},
)
async def decide_complaint(c: CallerDep, ref: str, body: ComplaintDecisionIn) -> ComplaintPublic:
    """Accept (the household leaves the posted list and is reviewed again) or reject with a
    reason; the sender is told either way."""
    require_role(c.principal, *WRITERS)
    complaint = await complaint_by_ref(c.db, ref[:40])
    if complaint is None:
        raise ApiError(404, "not_found")
    rnd = await c.db.get(ReviewRound, complaint.round_id)
    assert rnd is not None
    await ensure_within(
        c.services, c.db, c.principal, unit_id=rnd.commune_id, entity=f"complaint:{complaint.id}"
    )
    reason = (body.reason or "").strip() or None
    if body.decision == "reject" and reason is None:
        raise ApiError(422, "reason_required")
    now = c.services.clock()
    notices: list[Notice] = []
    try:
        await answer_complaint(
            c.db,
            complaint=complaint,
            decision=body.decision,
            reason=reason,
            officer_id=None,
            actor=c.principal.actor,
            now=now,
            notices=notices,
        )
    except ComplaintRefused as exc:
        await c.db.rollback()
        raise ApiError(409, exc.code) from None
    await commit_with_notices(c, notices, now)
    return (await _complaint_public(c, [complaint]))[0]
