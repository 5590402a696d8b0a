"""Messages to a person outside their own conversation: decisions, status changes, warnings.

Actions queue a Notice while the turn's transaction is open; the notices are written to the
delivery outbox in that same transaction (rendered in each recipient's language, one row per
active chat), so a decision and its notification commit together. The sender delivers them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.model import Attachment, Choice, Outbound
from conversations.pressed import choices_of, pairs
from domain.i18n import N_, Translator
from storage.models import ChannelAccount, OrgUnit, Person
from storage.models_outbox import OutboxMessage


@dataclass(frozen=True)
class Notice:
    person_id: int
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    translate: tuple[str, ...] = ()  # params that are msgids themselves (e.g. a kind label)
    choices: tuple[tuple[str, str], ...] = ()  # (id, label msgid)
    # A document sent with it; its title is a msgid (with `params`) rendered for the recipient.
    attachment: Attachment | None = None

    def render(self, t: Translator) -> Outbound:
        params = {k: t(v) if k in self.translate else v for k, v in self.params.items()}
        att = self.attachment
        if att is not None:
            att = replace(att, title=t(att.title, **params))
        return Outbound(
            t(self.msgid, **params), tuple(Choice(i, t(label)) for i, label in self.choices), att
        )


def pack(message: Outbound) -> list[Any]:
    """An outbox row's `choices`: [[id, label], ...], and the attachment as a trailing object
    ({"attachment": {...}}): the row keeps it without a column of its own."""
    out: list[Any] = pairs(message.choices)
    if message.attachment is not None:
        out.append({"attachment": message.attachment.to_json()})
    return out


def unpack(text: str, stored: list[Any]) -> Outbound:
    """The message an outbox row holds (pack's inverse; rows written before keep working)."""
    choices = choices_of([c for c in stored if isinstance(c, list)])
    found = [c["attachment"] for c in stored if isinstance(c, dict) and "attachment" in c]
    return Outbound(text, choices, Attachment.from_json(found[0]) if found else None)


Deliver = Callable[[], None]


async def enqueue_notices(db: AsyncSession, notices: Sequence[Notice], now: datetime) -> int:
    """Write the notices to the outbox; a person without a reachable chat gets a logged skip."""
    if not notices:
        return 0
    targets = await _targets(db, {n.person_id for n in notices})
    rows = 0
    for notice in notices:
        locale, accounts = targets.get(notice.person_id, ("vi", []))
        message = notice.render(Translator(locale))
        base = {
            "rule": "notice",
            "person_id": notice.person_id,
            "text": message.text,
            "choices": pack(message),
            "due_at": now,
        }
        if not accounts:
            db.add(
                OutboxMessage(
                    key=f"notice:{uuid.uuid4().hex}",
                    status="skipped",
                    reason="no_linked_chat",
                    **base,
                )
            )
            rows += 1
        for channel, chat_id in accounts:
            db.add(
                OutboxMessage(
                    key=f"notice:{uuid.uuid4().hex}", channel=channel, chat_id=chat_id, **base
                )
            )
            rows += 1
    await db.flush()
    return rows


async def _targets(
    db: AsyncSession, ids: set[int]
) -> Mapping[int, tuple[str, list[tuple[str, str]]]]:
    people = (await db.execute(select(Person).where(Person.id.in_(ids)))).scalars().all()  # type: ignore[union-attr]
    accounts = (
        (
            await db.execute(
                select(ChannelAccount).where(
                    ChannelAccount.person_id.in_(ids),  # type: ignore[attr-defined]
                    ChannelAccount.active.is_(True),  # type: ignore[attr-defined]
                )
            )
        )
        .scalars()
        .all()
    )
    out: dict[int, tuple[str, list[tuple[str, str]]]] = {
        p.id: (p.locale, []) for p in people if p.active
    }  # type: ignore[misc]
    for a in accounts:
        if a.person_id in out:
            out[a.person_id][1].append((a.channel, a.chat_id))
    return out


UNREACHABLE = N_(
    "{name} ({unit}) has blocked the bot: reminders no longer reach them. "
    "Please contact them another way."
)


async def warn_unreachable(db: AsyncSession, person_id: int | None, now: datetime) -> int:
    """Tell the commune's officers that a person can no longer be reached in chat."""
    person = await db.get(Person, person_id) if person_id is not None else None
    if person is None or person.org_unit_id is None:
        return 0
    unit = await db.get(OrgUnit, person.org_unit_id)
    if unit is None:
        return 0
    commune_id = unit.id if unit.level == "commune" or unit.parent_id is None else unit.parent_id
    officers = (
        await db.execute(
            select(Person.id).where(
                Person.role == "officer",
                Person.org_unit_id == commune_id,
                Person.active.is_(True),  # type: ignore[attr-defined]
                Person.id != person.id,
            )
        )
    ).scalars()
    notices = [
        Notice(oid, UNREACHABLE, {"name": person.name, "unit": unit.name}) for oid in officers
    ]
    return await enqueue_notices(db, notices, now)
