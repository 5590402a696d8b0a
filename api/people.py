"""People in the token's subtree, and invites: create (the code is shown once), list, revoke.

Any token invites hamlet heads and officers to units in its subtree; inviting a chat admin
takes an admin token. Invite codes are stored only as an HMAC, as with `chungtay invite create`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ApiError, ApiRouter, ensure_within, unit_in_scope
from api.exports import Lang
from api.lists import (
    ALL_ROWS,
    Caller,
    CallerDep,
    DbId,
    Page,
    Paging,
    PagingDep,
    UnitQ,
    list_csv,
    page_of,
    refusal,
    scope_root,
    units_by_id,
)
from domain.i18n import N_, drop_controls, nfc
from storage import admin_lists
from storage.models import ChannelAccount, Invite, Person
from storage.people import create_invite, invite_status, revoke_invite

router = ApiRouter(prefix="/api/v1", tags=["people"])

RoleQ = Annotated[Literal["hamlet_head", "officer", "admin", "household"] | None, Query()]
Active = Annotated[bool | None, Query()]
StateQ = Annotated[Literal["pending", "used", "expired"] | None, Query()]
INVITE_STATE = {"ok": "pending", "used": "used", "expired": "expired"}


class PersonPublic(BaseModel):
    id: int
    name: str
    role: str
    unit_code: str | None
    unit_name: str | None
    phone: str | None
    locale: str
    active: bool
    channels: list[str]  # linked chats that still reach the person
    created_at: datetime


class InviteCreate(BaseModel):
    role: Literal["hamlet_head", "officer", "admin"]
    unit: str = Field(max_length=32, description="org unit code, in the token's subtree")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    expires_in_days: int | None = Field(default=None, ge=1, le=90, description="default 7")
    person_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="link another chat to this person"
    )


class InvitePublic(BaseModel):
    id: int
    role: str
    unit_code: str
    unit_name: str
    name: str | None
    person_id: int | None
    state: str  # pending | used | expired (a revoked invite is expired)
    expires_at: datetime
    used_at: datetime | None
    created_at: datetime


class InviteCreated(InvitePublic):
    code: str  # shown this once; only its HMAC is stored
    start: str  # what the invited person sends the bot


PERSON_COLUMNS = (
    (N_("Name"), lambda p: p.name),
    (N_("Role"), lambda p: p.role),
    (N_("Unit code"), lambda p: p.unit_code),
    (N_("Unit"), lambda p: p.unit_name),
    (N_("Phone"), lambda p: p.phone),
    (N_("Active"), lambda p: p.active),
    (N_("Chats"), lambda p: ", ".join(p.channels)),
)
INVITE_COLUMNS = (
    (N_("Role"), lambda i: i.role),
    (N_("Unit code"), lambda i: i.unit_code),
    (N_("Unit"), lambda i: i.unit_name),
    (N_("Name"), lambda i: i.name),
    (N_("State"), lambda i: i.state),
    (N_("Valid until"), lambda i: i.expires_at),
    (N_("Used at"), lambda i: i.used_at),
)


async def _people(db: AsyncSession, rows: list[Person]) -> list[PersonPublic]:
    units = await units_by_id(db, (p.org_unit_id for p in rows))
    stmt = select(ChannelAccount.person_id, ChannelAccount.channel).where(
        ChannelAccount.person_id.in_([p.id for p in rows]),  # type: ignore[attr-defined]
        ChannelAccount.active.is_(True),  # type: ignore[attr-defined]
    )
    chats: dict[int, list[str]] = {}
    for pid, channel in (await db.execute(stmt.order_by(ChannelAccount.channel))).all():
        chats.setdefault(pid, []).append(channel)
    out = []
    for p in rows:
        unit = units.get(p.org_unit_id) if p.org_unit_id else None
        out.append(
            PersonPublic(
                id=p.id,  # type: ignore[arg-type]
                name=p.name,
                role=p.role,
                unit_code=unit.code if unit else None,
                unit_name=unit.name if unit else None,
                phone=p.phone,
                locale=p.locale,
                active=p.active,
                channels=chats.get(p.id, []),  # type: ignore[arg-type]
                created_at=p.created_at,
            )
        )
    return out


async def _people_page(
    c: Caller, p: Paging, unit: str | None, role: str | None, active: bool | None
) -> Page[PersonPublic]:
    root = await scope_root(c, unit)
    stmt = admin_lists.people(root_id=root.id, role=role, active=active)  # type: ignore[arg-type]
    return await page_of(c.db, stmt, admin_lists.PERSON_ORDER, p, _people)


@router.get("/people", response_model=Page[PersonPublic])
async def list_people(
    c: CallerDep, paging: PagingDep, unit: UnitQ = None, role: RoleQ = None, active: Active = None
) -> Page[PersonPublic]:
    """People of units in the subtree (and households' people of its hamlets), by name."""
    return await _people_page(c, paging, unit, role, active)


@router.get("/exports/people.csv", response_class=Response, tags=["exports"])
async def people_csv(
    c: CallerDep, unit: UnitQ = None, role: RoleQ = None, active: Active = None, lang: Lang = None
) -> Response:
    found = await _people_page(c, ALL_ROWS, unit, role, active)
    return list_csv(c.services, lang, "people.csv", PERSON_COLUMNS, found.items)


async def _invites(db: AsyncSession, rows: list[Invite], now: datetime) -> list[InvitePublic]:
    units = await units_by_id(db, (i.org_unit_id for i in rows))
    return [
        InvitePublic(
            id=i.id,  # type: ignore[arg-type]
            role=i.role,
            unit_code=units[i.org_unit_id].code,
            unit_name=units[i.org_unit_id].name,
            name=i.name,
            person_id=i.person_id,
            state=INVITE_STATE.get(invite_status(i, now), "expired"),
            expires_at=i.expires_at,
            used_at=i.used_at,
            created_at=i.created_at,
        )
        for i in rows
    ]


async def _invite_page(
    c: Caller, p: Paging, unit: str | None, state: str | None
) -> Page[InvitePublic]:
    root = await scope_root(c, unit)
    now = c.services.clock()
    stmt = admin_lists.invites(root_id=root.id, state=state, now=now)  # type: ignore[arg-type]
    return await page_of(
        c.db, stmt, admin_lists.INVITE_ORDER, p, lambda db, rows: _invites(db, rows, now)
    )


@router.get("/invites", response_model=Page[InvitePublic])
async def list_invites(
    c: CallerDep, paging: PagingDep, unit: UnitQ = None, state: StateQ = None
) -> Page[InvitePublic]:
    """Invites to units in the subtree, newest first; never the code."""
    return await _invite_page(c, paging, unit, state)


@router.get("/exports/invites.csv", response_class=Response, tags=["exports"])
async def invites_csv(
    c: CallerDep, unit: UnitQ = None, state: StateQ = None, lang: Lang = None
) -> Response:
    found = await _invite_page(c, ALL_ROWS, unit, state)
    return list_csv(c.services, lang, "invites.csv", INVITE_COLUMNS, found.items)


@router.post(
    "/invites",
    response_model=InviteCreated,
    status_code=201,
    responses={
        422: refusal("person_mismatch: an existing person's invite must name their role and unit")
    },
)
async def create(c: CallerDep, body: InviteCreate) -> InviteCreated:
    """A one-time code for a unit in the subtree; the response is the only place it appears."""
    services, db, principal = c.services, c.db, c.principal
    if body.role == "admin" and principal.role != "admin":
        raise ApiError(403, "forbidden")
    unit = await unit_in_scope(services, db, principal, body.unit)
    person = None
    if body.person_id is not None:
        person = await db.get(Person, body.person_id)
        if person is None or person.org_unit_id is None:
            raise ApiError(404, "not_found")
        await ensure_within(
            services, db, principal, unit_id=person.org_unit_id, entity=f"person:{person.id}"
        )
        # A chat linked to an existing person takes that person's role and unit: the invite
        # must say the same, or it would read as one thing and grant another (an admin's).
        if person.role != body.role or person.org_unit_id != unit.id:
            raise ApiError(422, "person_mismatch")
        if person.role == "admin" and principal.role != "admin":
            raise ApiError(403, "forbidden")
    now = services.clock()
    days = body.expires_in_days or services.settings.invite_ttl_days
    new = await create_invite(
        db,
        secret_key=services.settings.secret_key.get_secret_value(),
        role=body.role,
        unit=unit,
        now=now,
        ttl=timedelta(days=days),
        name=(nfc(drop_controls(body.name).strip()) or None) if body.name else None,
        person=person,
        actor=principal.actor,
    )
    await db.commit()
    [public] = await _invites(db, [new.invite], now)
    return InviteCreated(**public.model_dump(), code=new.code, start=f"/start {new.code}")


@router.post(
    "/invites/{invite_id}/revoke",
    response_model=InvitePublic,
    responses={409: refusal("Already used or expired")},
)
async def revoke(c: CallerDep, invite_id: DbId) -> InvitePublic:
    """The code stops working now."""
    services, db, principal = c.services, c.db, c.principal
    invite = await db.get(Invite, invite_id)
    if invite is None:
        raise ApiError(404, "not_found")
    await ensure_within(
        services, db, principal, unit_id=invite.org_unit_id, entity=f"invite:{invite_id}"
    )
    now = services.clock()
    await db.refresh(invite, with_for_update=True)
    try:
        await revoke_invite(db, invite=invite, now=now, actor=principal.actor)
    except ValueError:
        state = invite_status(invite, now)
        await db.rollback()
        raise ApiError(409, f"already_{state}") from None
    await db.commit()
    [public] = await _invites(db, [invite], now)
    return public
