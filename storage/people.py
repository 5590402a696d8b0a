"""People, their chat accounts and invites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.codes import hash_secret, new_code, normalize_code
from storage.audit import record
from storage.models import ChannelAccount, Invite, OrgUnit, Person, RateEvent


@dataclass(frozen=True)
class NewInvite:
    code: str  # shown once, never stored
    invite: Invite


async def create_invite(
    session: AsyncSession,
    *,
    secret_key: str,
    role: str,
    unit: OrgUnit,
    now: datetime,
    ttl: timedelta,
    name: str | None = None,
    person: Person | None = None,
    actor: str,
) -> NewInvite:
    code = new_code()
    invite = Invite(
        code_hash=hash_secret(normalize_code(code), secret_key),
        role=role,
        org_unit_id=unit.id,  # type: ignore[arg-type]
        person_id=person.id if person else None,
        name=name or (person.name if person else None),
        expires_at=now + ttl,
    )
    session.add(invite)
    await session.flush()
    record(
        session,
        actor=actor,
        action="invite.create",
        entity=f"invite:{invite.id}",
        after={
            "role": role,
            "unit": unit.code,
            "name": invite.name,
            "expires_at": invite.expires_at.isoformat(),
        },
    )
    return NewInvite(code, invite)


async def find_invite(session: AsyncSession, *, code: str, secret_key: str) -> Invite | None:
    digest = hash_secret(normalize_code(code), secret_key)
    stmt = select(Invite).where(Invite.code_hash == digest).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def invite_status(invite: Invite | None, now: datetime) -> str:
    if invite is None:
        return "invalid"
    if invite.used_at is not None:
        return "used"
    if invite.expires_at <= now:
        return "expired"
    return "ok"


async def count_recent(
    session: AsyncSession, *, kind: str, channel: str, chat_id: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many events of this kind the chat had since `since`, and the oldest of them."""
    stmt = select(func.count(), func.min(RateEvent.at)).where(
        RateEvent.kind == kind,
        RateEvent.channel == channel,
        RateEvent.chat_id == chat_id,
        RateEvent.at > since,
    )
    count, oldest = (await session.execute(stmt)).one()
    if isinstance(oldest, str):  # SQLite hands back aggregate timestamps as text
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), oldest


async def account_for(
    session: AsyncSession, *, channel: str, user_id: str
) -> ChannelAccount | None:
    stmt = select(ChannelAccount).where(
        ChannelAccount.channel == channel, ChannelAccount.external_user_id == user_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


_ACCOUNTS = ChannelAccount.__table__  # type: ignore[attr-defined]
_PEOPLE = Person.__table__  # type: ignore[attr-defined]
_UNIT = OrgUnit.__table__.alias("unit")  # type: ignore[attr-defined]
_PARENT = OrgUnit.__table__.alias("parent")  # type: ignore[attr-defined]
# Every turn asks: the chat account, its person, their unit and its parent in one query, built
# once (Core, bound parameters). On PostgreSQL it is part of the turn's first statement
# (storage.sessions.claim_and_lock).
CHAT_USER = (
    select(
        _ACCOUNTS.c.id.label("account_id"),
        _ACCOUNTS.c.active.label("account_active"),
        _PEOPLE.c.id.label("person_id"),
        _PEOPLE.c.name,
        _PEOPLE.c.role,
        _PEOPLE.c.locale,
        _PEOPLE.c.active.label("person_active"),
        _UNIT.c.id.label("unit_id"),
        _UNIT.c.code.label("unit_code"),
        _UNIT.c.name.label("unit_name"),
        _PARENT.c.name.label("parent_name"),
    )
    .select_from(
        _ACCOUNTS.outerjoin(_PEOPLE, _PEOPLE.c.id == _ACCOUNTS.c.person_id)
        .outerjoin(_UNIT, _UNIT.c.id == _PEOPLE.c.org_unit_id)
        .outerjoin(_PARENT, _PARENT.c.id == _UNIT.c.parent_id)
    )
    .where(
        _ACCOUNTS.c.channel == bindparam("p_channel"),
        _ACCOUNTS.c.external_user_id == bindparam("p_user_id"),
    )
)
_REACTIVATE = update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("p_id")).values(active=True)
_SET_LOCALE = (
    update(_PEOPLE).where(_PEOPLE.c.id == bindparam("p_id")).values(locale=bindparam("p_locale"))
)


@dataclass(frozen=True)
class ChatUser:
    """A chat account as a turn needs it: the account, and its person's description if linked."""

    account_id: int
    account_active: bool
    person_active: bool
    person: dict[str, Any] | None  # describe_person's picture; None without a person


async def chat_user(session: AsyncSession, *, channel: str, user_id: str) -> ChatUser | None:
    """The chat account of this channel user with its person described, in one query."""
    params = {"p_channel": channel, "p_user_id": user_id}
    row = (await session.execute(CHAT_USER, params)).first()
    return chat_user_of(None if row is None else row._mapping)


def chat_user_of(row: Any) -> ChatUser | None:
    """A row of CHAT_USER's columns (by name; None or a null account_id when there is none)."""
    if row is None or row["account_id"] is None:
        return None
    person = None
    if row["person_id"] is not None:
        person = _description(
            row["person_id"],
            row["name"],
            row["role"],
            row["locale"],
            row["unit_id"],
            row["unit_code"],
            row["unit_name"],
            row["parent_name"],
        )
    return ChatUser(
        row["account_id"], bool(row["account_active"]), bool(row["person_active"]), person
    )


async def reactivate_account(session: AsyncSession, account_id: int) -> None:
    await session.execute(_REACTIVATE, {"p_id": account_id})


async def set_locale(session: AsyncSession, person_id: int, locale: str) -> None:
    await session.execute(_SET_LOCALE, {"p_id": person_id, "p_locale": locale})


def _description(
    person_id: int | None,
    name: str,
    role: str,
    locale: str,
    unit_id: int | None,
    unit_code: str | None,
    unit_name: str | None,
    parent_name: str | None,
) -> dict[str, Any]:
    return {
        "linked": True,
        "person_id": person_id,
        "name": name,
        "role": role,
        "locale": locale,
        "unit_id": unit_id,
        "unit_code": unit_code,
        "unit_name": unit_name,
        "parent_name": parent_name,
    }


async def describe_person(session: AsyncSession, person: Person) -> dict[str, Any]:
    """The JSON-safe picture of a person the flows see as ctx.user."""
    unit = parent = None
    if person.org_unit_id is not None:
        up = aliased(OrgUnit)
        stmt = (
            select(OrgUnit, up)
            .outerjoin(up, up.id == OrgUnit.parent_id)  # type: ignore[arg-type]
            .where(OrgUnit.id == person.org_unit_id)
        )
        row = (await session.execute(stmt)).first()  # unit and parent in one query
        if row is not None:
            unit, parent = row[0], row[1]
    return _description(
        person.id,
        person.name,
        person.role,
        person.locale,
        unit.id if unit else None,
        unit.code if unit else None,
        unit.name if unit else None,
        parent.name if parent else None,
    )


async def link_account(
    session: AsyncSession,
    *,
    invite: Invite,
    channel: str,
    user_id: str,
    chat_id: str,
    display_name: str | None,
    locale: str,
    now: datetime,
) -> Person:
    """Redeem an invite: the person (new, or the invite's existing one) gets this chat account."""
    person = await session.get(Person, invite.person_id) if invite.person_id else None
    if person is None:
        person = Person(
            name=invite.name or display_name or "?",
            role=invite.role,
            org_unit_id=invite.org_unit_id,
            locale=locale,
        )
        session.add(person)
        await session.flush()
        record(
            session,
            actor=f"{channel}:{user_id}",
            action="person.create",
            entity=f"person:{person.id}",
            after={"name": person.name, "role": person.role, "org_unit_id": person.org_unit_id},
        )
    account = await account_for(session, channel=channel, user_id=user_id)
    before = None
    if account is None:
        account = ChannelAccount(
            channel=channel, external_user_id=user_id, chat_id=chat_id, person_id=person.id
        )  # type: ignore[arg-type]
        session.add(account)
    else:
        before = {"person_id": account.person_id, "active": account.active}
        account.person_id, account.chat_id, account.active, account.linked_at = (
            person.id,
            chat_id,
            True,
            now,
        )  # type: ignore[assignment]
    await session.flush()
    invite.used_at = now
    invite.used_by_account_id = account.id
    if invite.person_id is None:
        invite.person_id = person.id
    record(
        session,
        actor=f"{channel}:{user_id}",
        action="account.link",
        entity=f"channel_account:{account.id}",
        before=before,
        after={"person_id": person.id, "invite_id": invite.id, "channel": channel},
    )
    return person


async def revoke_invite(
    session: AsyncSession, *, invite: Invite, now: datetime, actor: str
) -> Invite:
    """An unused invite stops working now (it then reads as expired); a used one cannot be."""
    if invite_status(invite, now) != "ok":
        raise ValueError(f"invite {invite.id} is {invite_status(invite, now)}")
    before = {"expires_at": invite.expires_at.isoformat()}
    invite.expires_at = now
    record(
        session,
        actor=actor,
        action="invite.revoke",
        entity=f"invite:{invite.id}",
        before=before,
        after={"expires_at": now.isoformat()},
    )
    return invite


async def commune_officers(session: AsyncSession, *, commune_id: int) -> list[int]:
    """The active officers of a commune, who review what its hamlets send."""
    stmt = select(Person.id).where(
        Person.role == "officer",
        Person.org_unit_id == commune_id,
        Person.active.is_(True),  # type: ignore[attr-defined]
    )
    return [int(i) for i in (await session.execute(stmt.order_by(Person.id))).scalars()]
