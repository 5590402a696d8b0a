"""The outside-world steps flows stop at: each takes the turn's context and returns a JSON dict."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notify import Notice
from storage import people
from storage.models import RateEvent
from storage.orgtree import unit_by_id


@dataclass
class ActionContext:
    db: AsyncSession
    channel: str
    chat_id: str
    user_id: str
    display_name: str | None
    locale: str
    now: datetime
    secret_key: str
    invite_failures_per_hour: int
    user: dict[str, Any]
    answers: dict[str, Any] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    env: Mapping[str, Any] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)  # delivered after the turn commits

    def notify(self, person_id: int | None, msgid: str, **params: Any) -> None:
        """Queue a message to a person; `translate=` names params that are msgids."""
        if person_id is None:
            return
        translate = tuple(params.pop("translate", ()))
        choices = tuple(params.pop("choices", ()))
        self.notices.append(Notice(person_id, msgid, params, translate, choices))


Action = Callable[[ActionContext, dict[str, Any]], Awaitable[dict[str, Any]]]
INVITE_FAIL = "invite_fail"


async def _cooldown_minutes(ctx: ActionContext) -> int | None:
    since = ctx.now - timedelta(hours=1)
    count, oldest = await people.count_recent(
        ctx.db, kind=INVITE_FAIL, channel=ctx.channel, chat_id=ctx.chat_id, since=since
    )
    if count < ctx.invite_failures_per_hour or oldest is None:
        return None
    return max(1, math.ceil((oldest + timedelta(hours=1) - ctx.now).total_seconds() / 60))


async def _invite(ctx: ActionContext, args: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    minutes = await _cooldown_minutes(ctx)
    code = str(args.get("code", ""))
    if minutes is not None:
        return {"status": "cooldown", "minutes": minutes}, None
    invite = await people.find_invite(ctx.db, code=code, secret_key=ctx.secret_key)
    status = people.invite_status(invite, ctx.now)
    if status != "ok":
        ctx.db.add(
            RateEvent(kind=INVITE_FAIL, channel=ctx.channel, chat_id=ctx.chat_id, at=ctx.now)
        )
        return {"status": status, "code": code[:20]}, None
    unit = await unit_by_id(ctx.db, invite.org_unit_id)  # type: ignore[union-attr]
    parent = await unit_by_id(ctx.db, unit.parent_id) if unit else None
    return {
        "status": "ok",
        "role": invite.role,  # type: ignore[union-attr]
        "name": invite.name,  # type: ignore[union-attr]
        "unit_name": unit.name if unit else None,
        "parent_name": parent.name if parent else None,
    }, invite


async def invite_check(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    result, _ = await _invite(ctx, args)
    return result


async def invite_redeem(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    result, invite = await _invite(ctx, args)
    if invite is None:
        return result
    person = await people.link_account(
        ctx.db,
        invite=invite,
        channel=ctx.channel,
        user_id=ctx.user_id,
        chat_id=ctx.chat_id,
        display_name=ctx.display_name,
        locale=ctx.locale,
        now=ctx.now,
    )
    ctx.user.update(await people.describe_person(ctx.db, person))
    return {**result, "name": person.name, "role": person.role}


ACTIONS: dict[str, Action] = {
    "invite.check": invite_check,
    "invite.redeem": invite_redeem,
}
