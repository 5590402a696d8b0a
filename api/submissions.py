"""Submissions (hamlet heads' change reports) and exit registrations (households'): lists,
detail, and the officer's decision — the same code path as the chat review (/duyet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ApiError, ApiRouter, ensure_within
from api.exports import Lang
from api.lists import (
    ALL_ROWS,
    Caller,
    CallerDep,
    Page,
    Paging,
    PagingDep,
    Where,
    WhereDep,
    commit_with_notices,
    list_csv,
    page_of,
    period_or_404,
    refusal,
    scope_root,
)
from domain.changes import CHANGE_KINDS, EXIT_REGISTRATION
from domain.digits import is_digits
from domain.i18n import N_
from handlers.notify import Notice
from handlers.review_actions import decide_and_notify
from storage import admin_lists
from storage.models_register import Submission
from storage.register import decidable_states
from storage.review_queue import by_ref, names

router = ApiRouter(prefix="/api/v1", tags=["submissions"])

Status = Annotated[
    Literal["submitted", "hamlet_reviewed", "approved", "returned", "rejected"] | None, Query()
]
Kind = Annotated[
    Literal[(*CHANGE_KINDS, EXIT_REGISTRATION)] | None,  # type: ignore[valid-type]
    Query(description="exit_registration: the households' exit registrations"),
]


class SubmissionPublic(BaseModel):
    id: int
    ref: str
    kind: str
    source: str
    status: str
    pending: bool  # awaiting the commune's decision
    hamlet_code: str
    hamlet_name: str
    household_id: int | None
    household_code: str | None
    name: str  # the household head (register) or the name typed in the submission
    reporter: str | None
    submitted_at: datetime
    revision: int
    decided_at: datetime | None
    decision_reason: str | None


class SubmissionDetail(SubmissionPublic):
    answers: dict[str, Any]
    result: dict[str, Any]
    note: str | None


class DecisionIn(BaseModel):
    decision: Literal["approve", "return", "reject"]
    reason: str | None = Field(default=None, max_length=1000)


class DecisionOut(BaseModel):
    submission: SubmissionDetail
    notified: bool  # the reporter or household has a message waiting in the outbox
    household_status: str | None


COLUMNS = (
    (N_("Reference"), lambda s: s.ref),
    (N_("Kind"), lambda s: s.kind),
    (N_("Status"), lambda s: s.status),
    (N_("Hamlet code"), lambda s: s.hamlet_code),
    (N_("Hamlet"), lambda s: s.hamlet_name),
    (N_("Household code"), lambda s: s.household_code),
    (N_("Head of household"), lambda s: s.name),
    (N_("Reported by"), lambda s: s.reporter),
    (N_("Submitted at"), lambda s: s.submitted_at),
    (N_("Decided at"), lambda s: s.decided_at),
    (N_("Reason"), lambda s: s.decision_reason),
)


async def _publics(db: AsyncSession, subs: list[Submission]) -> list[SubmissionPublic]:
    households, hamlets, people = await names(db, subs)
    out = []
    for s in subs:
        h = households.get(s.household_id) if s.household_id else None
        hamlet = hamlets.get(s.hamlet_id)
        reporter = people.get(s.reporter_id) if s.reporter_id else None
        a = s.answers or {}
        out.append(
            SubmissionPublic(
                id=s.id,  # type: ignore[arg-type]
                ref=s.ref,
                kind=s.kind,
                source=s.source,
                status=s.status,
                pending=s.status in decidable_states(s.kind),
                hamlet_code=hamlet.code if hamlet else "",
                hamlet_name=hamlet.name if hamlet else "",
                household_id=s.household_id,
                household_code=h.code if h else None,
                name=h.head_name if h else str(a.get("head_name") or a.get("name") or ""),
                reporter=reporter.name if reporter else None,
                submitted_at=s.submitted_at,
                revision=s.revision,
                decided_at=s.decided_at,
                decision_reason=s.decision_reason,
            )
        )
    return out


async def _detail(db: AsyncSession, sub: Submission) -> SubmissionDetail:
    [public] = await _publics(db, [sub])
    return SubmissionDetail(
        **public.model_dump(), answers=sub.answers, result=sub.result, note=sub.note
    )


@dataclass(frozen=True)
class SubmissionFilter:
    where: Where
    status: str | None
    kind: str | None


def submission_filter(
    where: WhereDep, status: Status = None, kind: Kind = None
) -> SubmissionFilter:
    return SubmissionFilter(where, status, kind)


FilterDep = Annotated[SubmissionFilter, Depends(submission_filter)]


async def _page(c: Caller, f: SubmissionFilter, p: Paging) -> Page[SubmissionPublic]:
    root = await scope_root(c, f.where.unit)
    stmt = admin_lists.submissions(
        root_id=root.id,  # type: ignore[arg-type]
        period=await period_or_404(c.db, f.where.period, f.where.period_kind),
        status=f.status,
        kind=f.kind,
    )
    return await page_of(c.db, stmt, admin_lists.SUBMISSION_ORDER, p, _publics)


@router.get("/submissions", response_model=Page[SubmissionPublic])
async def list_submissions(c: CallerDep, f: FilterDep, paging: PagingDep) -> Page[SubmissionPublic]:
    """Newest first; a period means submitted during it. `kind=exit_registration` lists the
    households' exit registrations."""
    return await _page(c, f, paging)


@router.get("/exports/submissions.csv", response_class=Response, tags=["exports"])
async def submissions_csv(c: CallerDep, f: FilterDep, lang: Lang = None) -> Response:
    found = await _page(c, f, ALL_ROWS)
    return list_csv(c.services, lang, "submissions.csv", COLUMNS, found.items)


async def _in_scope(c: Caller, key: str) -> Submission:
    """By id or reference (BC-…, TN-…): 404 unknown, 403 (audited) outside the token's subtree."""
    if is_digits(key):
        sub = await c.db.get(Submission, int(key)) if len(key) <= 9 else None
    else:
        sub = await by_ref(c.db, key[:40])
    if sub is None:
        raise ApiError(404, "not_found")
    await ensure_within(
        c.services, c.db, c.principal, unit_id=sub.hamlet_id, entity=f"submission:{sub.id}"
    )
    return sub


@router.get("/submissions/{submission}", response_model=SubmissionDetail)
async def get_submission(c: CallerDep, submission: str) -> SubmissionDetail:
    """One submission by id or reference, with the answers and the assessment."""
    return await _detail(c.db, await _in_scope(c, submission))


@router.post(
    "/submissions/{submission}/decision",
    response_model=DecisionOut,
    responses={409: refusal("Already decided, or the hamlet meeting has not passed it yet")},
)
async def decide_submission(c: CallerDep, submission: str, body: DecisionIn) -> DecisionOut:
    """Approve, return (for correction) or reject, as an officer does in chat: the reporter or
    household is told in its language through the outbox; the audit names the token.

    A change the procedure governs (becoming poor or near-poor, exiting, falling back) can be
    approved only after the hamlet meeting passed it (409 `meeting_required` before); approval
    then puts it on the round's list, and the household changes with the round's decision."""
    reason = (body.reason or "").strip() or None
    if body.decision != "approve" and reason is None:
        raise ApiError(422, "reason_required")
    services, db = c.services, c.db
    sub = await _in_scope(c, submission)
    now = services.clock()
    notices: list[Notice] = []
    out = await decide_and_notify(
        db,
        submission=sub,
        decision=body.decision,
        reason=reason,
        officer_id=None,
        actor=c.principal.actor,
        now=now,
        notices=notices,
    )
    if out["status"] != "ok":
        await db.rollback()
        raise ApiError(
            409, "meeting_required" if out["status"] == "meeting_required" else "already_decided"
        )
    await commit_with_notices(c, notices, now)
    fresh = (await db.execute(select(Submission).where(Submission.id == sub.id))).scalar_one()
    return DecisionOut(
        submission=await _detail(db, fresh),
        notified=out["notified"],
        household_status=out["household_status"],
    )
