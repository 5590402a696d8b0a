"""The one inbound path: dedupe, per-chat serialisation, persistence of session and links."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.services import Services
from handlers.inbound import InboundMessage
from storage.models import AuditLog, ChannelAccount, ConversationSession, Person
from tests.support import make_invite, seed_units


def msg(
    text: str | None = None, *, update: str, chat: str = "c1", choice: str | None = None
) -> InboundMessage:
    return InboundMessage(
        channel="simulator", chat_id=chat, user_id=chat, text=text, choice=choice, update_id=update
    )


async def _session_row(services: Services, chat: str = "c1") -> ConversationSession:
    async with services.sessionmaker() as db:
        stmt = select(ConversationSession).where(ConversationSession.chat_id == chat)
        return (await db.execute(stmt)).scalar_one()


async def test_same_update_twice_at_once_gives_one_reply_and_one_state_change(
    services: Services,
) -> None:
    await seed_units(services)
    code = await make_invite(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An")
    conv = services.conversations
    first, second = await asyncio.gather(
        conv.handle(msg(f"/start {code}", update="u1")),
        conv.handle(msg(f"/start {code}", update="u1")),
    )
    replies = [r for r in (first, second) if r is not None]
    assert len(replies) == 1 and "Nguyễn Văn An" in replies[0][0].text
    assert (await _session_row(services)).version == 1
    # A later delivery of the same update, e.g. a webhook retry, is also dropped.
    assert await conv.handle(msg(f"/start {code}", update="u1")) is None
    assert (await _session_row(services)).version == 1


async def test_two_workers_same_chat_at_once(services: Services) -> None:
    """Like two server processes: no shared in-process lock, only the database's claim and row
    lock. The same update is handled once; two updates of one chat both apply, one after the
    other."""
    import copy
    import weakref

    await seed_units(services)
    code = await make_invite(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An")
    conv = services.conversations
    other = copy.copy(conv)
    other._locks = weakref.WeakValueDictionary()
    await conv.handle(msg(f"/start {code}", update="u1"))  # the chat's session row exists now
    first, second = await asyncio.gather(
        conv.handle(msg(choice="yes", update="u2")), other.handle(msg(choice="yes", update="u2"))
    )
    assert [r is None for r in (first, second)].count(True) == 1
    assert (await _session_row(services)).version == 2
    third, fourth = await asyncio.gather(
        conv.handle(msg("/me", update="u3")), other.handle(msg("/me", update="u4"))
    )
    assert third is not None and fourth is not None
    assert (await _session_row(services)).version == 4


async def test_linking_creates_person_account_and_audit(services: Services) -> None:
    await seed_units(services)
    code = await make_invite(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An")
    conv = services.conversations
    await conv.handle(msg(f"/start {code}", update="1"))
    await conv.handle(msg(choice="yes", update="2"))
    async with services.sessionmaker() as db:
        person = (await db.execute(select(Person))).scalar_one()
        account = (await db.execute(select(ChannelAccount))).scalar_one()
        assert (person.name, person.role) == ("Nguyễn Văn An", "hamlet_head")
        assert account.person_id == person.id and account.channel == "simulator"
        actions = set((await db.execute(select(AuditLog.action))).scalars())
        assert {"invite.create", "person.create", "account.link"} <= actions


async def test_one_person_on_two_channels(services: Services) -> None:
    """A second invite for the same person links another chat (e.g. Zalo) to the same person."""
    from datetime import timedelta

    from storage.db import transaction
    from storage.orgtree import unit_by_code
    from storage.people import create_invite

    await seed_units(services)
    code = await make_invite(services, "officer", "37-GIAVIEN", "Trần Thị Bình")
    conv = services.conversations
    await conv.handle(msg(f"/start {code}", update="1"))
    await conv.handle(msg("có", update="2"))
    async with transaction(services.sessionmaker) as db:
        person = (await db.execute(select(Person))).scalar_one()
        unit = await unit_by_code(db, "37-GIAVIEN")
        second = await create_invite(
            db,
            secret_key=services.settings.secret_key.get_secret_value(),
            role="officer",
            unit=unit,
            now=services.clock(),
            ttl=timedelta(days=1),
            person=person,
            actor="test",  # type: ignore[arg-type]
        )
    zalo = InboundMessage(
        channel="zalo", chat_id="z9", user_id="z9", text=f"/start {second.code}", update_id="z1"
    )
    assert "Trần Thị Bình" in (await conv.handle(zalo))[0].text  # type: ignore[index]
    await conv.handle(
        InboundMessage(channel="zalo", chat_id="z9", user_id="z9", text="1", update_id="z2")
    )
    async with services.sessionmaker() as db:
        assert (await db.execute(select(func.count()).select_from(Person))).scalar_one() == 1
        channels = sorted((await db.execute(select(ChannelAccount.channel))).scalars())
        assert channels == ["simulator", "zalo"]
