"""The reminder log (the outbox: every reminder and notice, sent or skipped, with why) and the
admin API's own tokens (admin role only: list without the secret, revoke)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ApiError, ApiRouter, ensure_within
from api.exports import Lang
from api.lists import (
    ALL_ROWS,
    Caller,
    CallerDep,
    DbId,
    Page,
    Paging,
    PagingDep,
    Where,
    WhereDep,
    list_csv,
    page_of,
    period_or_404,
    refusal,
    require_role,
    scope_root,
    units_by_id,
)
from domain.i18n import N_
from storage import admin_lists
from storage.api_tokens import revoke_token
from storage.models import Person
from storage.models_api import ApiToken
from storage.models_outbox import OUTBOX_STATES, OutboxMessage
from storage.models_register import ReportingPeriod

router = ApiRouter(prefix="/api/v1", tags=["operations"])

OutboxStatus = Annotated[Literal[OUTBOX_STATES] | None, Query()]  # type: ignore[valid-type]
Rule = Annotated[str | None, Query(max_length=40, description="e.g. notice, or a reminder rule")]
Revoked = Annotated[bool | None, Query()]


class ReminderPublic(BaseModel):
    id: int
    rule: str
    period: str | None
    person_id: int | None
    person: str | None
    hamlet_code: str | None
    channel: str | None
    status: str
    reason: str | None  # why skipped or deferred
    due_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str | None
    text: str


class TokenPublic(BaseModel):
    id: int
    role: str
    unit_code: str
    unit_name: str
    name: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
    expires_at: datetime | None


REMINDER_COLUMNS = (
    (N_("Due at"), lambda m: m.due_at),
    (N_("Rule"), lambda m: m.rule),
    (N_("Period"), lambda m: m.period),
    (N_("Recipient"), lambda m: m.person),
    (N_("Hamlet code"), lambda m: m.hamlet_code),
    (N_("Chat"), lambda m: m.channel),
    (N_("Status"), lambda m: m.status),
    (N_("Reason"), lambda m: m.reason),
    (N_("Sent at"), lambda m: m.sent_at),
    (N_("Message"), lambda m: m.text),
)
TOKEN_COLUMNS = (
    (N_("Token"), lambda k: k.id),
    (N_("Role"), lambda k: k.role),
    (N_("Unit code"), lambda k: k.unit_code),
    (N_("Name"), lambda k: k.name),
    (N_("Created at"), lambda k: k.created_at),
    (N_("Last used"), lambda k: k.last_used_at),
    (N_("Revoked"), lambda k: k.revoked),
    (N_("Expires at"), lambda k: k.expires_at),
)


async def _reminders(db: AsyncSession, rows: list[OutboxMessage]) -> list[ReminderPublic]:
    hamlets = await units_by_id(db, (m.hamlet_id for m in rows))
    person_ids = {m.person_id for m in rows if m.person_id}
    period_ids = {m.period_id for m in rows if m.period_id}
    names = dict(
        (await db.execute(select(Person.id, Person.name).where(Person.id.in_(person_ids)))).all()  # type: ignore[union-attr]
    )
    codes = dict(
        (
            await db.execute(
                select(ReportingPeriod.id, ReportingPeriod.code).where(
                    ReportingPeriod.id.in_(period_ids)  # type: ignore[union-attr]
                )
            )
        ).all()
    )
    return [
        ReminderPublic(
            id=m.id,  # type: ignore[arg-type]
            rule=m.rule,
            period=codes.get(m.period_id),
            person_id=m.person_id,
            person=names.get(m.person_id),
            hamlet_code=hamlets[m.hamlet_id].code if m.hamlet_id in hamlets else None,
            channel=m.channel,
            status=m.status,
            reason=m.reason,
            due_at=m.due_at,
            sent_at=m.sent_at,
            attempts=m.attempts,
            last_error=m.last_error,
            text=m.text,
        )
        for m in rows
    ]


@dataclass(frozen=True)
class ReminderFilter:
    where: Where
    status: str | None
    rule: str | None


def reminder_filter(
    where: WhereDep, status: OutboxStatus = None, rule: Rule = None
) -> ReminderFilter:
    return ReminderFilter(where, status, rule)


ReminderFilterDep = Annotated[ReminderFilter, Depends(reminder_filter)]


async def _reminder_page(c: Caller, f: ReminderFilter, p: Paging) -> Page[ReminderPublic]:
    root = await scope_root(c, f.where.unit)
    period = await period_or_404(c.db, f.where.period, f.where.period_kind)
    stmt = admin_lists.outbox(
        root_id=root.id,  # type: ignore[arg-type]
        period_id=period.id if period else None,
        status=f.status,
        rule=f.rule,
    )
    return await page_of(c.db, stmt, admin_lists.OUTBOX_ORDER, p, _reminders)


@router.get("/reminders", response_model=Page[ReminderPublic])
async def list_reminders(
    c: CallerDep, f: ReminderFilterDep, paging: PagingDep
) -> Page[ReminderPublic]:
    """Reminders and notices about hamlets in the subtree or to its people, latest due first."""
    return await _reminder_page(c, f, paging)


@router.get("/exports/reminders.csv", response_class=Response, tags=["exports"])
async def reminders_csv(c: CallerDep, f: ReminderFilterDep, lang: Lang = None) -> Response:
    found = await _reminder_page(c, f, ALL_ROWS)
    return list_csv(c.services, lang, "reminders.csv", REMINDER_COLUMNS, found.items)


async def _tokens(db: AsyncSession, rows: list[ApiToken]) -> list[TokenPublic]:
    units = await units_by_id(db, (k.org_unit_id for k in rows))
    return [
        TokenPublic(
            id=k.id,  # type: ignore[arg-type]
            role=k.role,
            unit_code=units[k.org_unit_id].code,
            unit_name=units[k.org_unit_id].name,
            name=k.name,
            created_at=k.created_at,
            last_used_at=k.last_used_at,
            revoked=k.revoked,
            expires_at=k.expires_at,
        )
        for k in rows
    ]


async def _token_page(c: Caller, revoked: bool | None, p: Paging) -> Page[TokenPublic]:
    require_role(c.principal, "admin")
    stmt = admin_lists.tokens(root_id=c.principal.unit_id, revoked=revoked)
    return await page_of(c.db, stmt, admin_lists.TOKEN_ORDER, p, _tokens)


@router.get("/tokens", response_model=Page[TokenPublic])
async def list_tokens(
    c: CallerDep, paging: PagingDep, revoked: Revoked = None
) -> Page[TokenPublic]:
    """Admin only: tokens of units in the subtree, never their secret."""
    return await _token_page(c, revoked, paging)


@router.get("/exports/tokens.csv", response_class=Response, tags=["exports"])
async def tokens_csv(c: CallerDep, revoked: Revoked = None, lang: Lang = None) -> Response:
    found = await _token_page(c, revoked, ALL_ROWS)
    return list_csv(c.services, lang, "tokens.csv", TOKEN_COLUMNS, found.items)


@router.post(
    "/tokens/{token_id}/revoke",
    response_model=TokenPublic,
    responses={409: refusal("Already revoked")},
)
async def revoke(c: CallerDep, token_id: DbId) -> TokenPublic:
    """Admin only: the token stops working at once (its next request is 401)."""
    require_role(c.principal, "admin")
    db = c.db
    token = await db.get(ApiToken, token_id)
    if token is None:
        raise ApiError(404, "not_found")
    await ensure_within(
        c.services, db, c.principal, unit_id=token.org_unit_id, entity=f"api_token:{token_id}"
    )
    await db.refresh(token, with_for_update=True)
    try:
        await revoke_token(db, token=token, actor=c.principal.actor)
    except ValueError:
        await db.rollback()
        raise ApiError(409, "already_revoked") from None
    await db.commit()
    [public] = await _tokens(db, [token])
    return public
