"""What comes in by chat is stored without control characters or bidi overrides: a head of
household's name with U+202E would read backwards in every list and document it reaches."""

from __future__ import annotations

from sqlalchemy import select

from bot.channels.relay import without_controls
from bot.services import Services
from handlers.inbound import InboundMessage
from storage.models import ConversationSession
from tests.support import link_person, seed_units


def msg(text: str | None = None, *, update: str, choice: str | None = None) -> InboundMessage:
    return InboundMessage(
        channel="simulator", chat_id="c1", user_id="c1", text=text, choice=choice, update_id=update
    )


async def test_a_typed_name_is_stored_without_control_characters(services: Services) -> None:
    await seed_units(services)
    await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", "c1")
    conv = services.conversations
    await conv.handle(msg("/baocao", update="1"))
    await conv.handle(msg(choice="newly_poor", update="2"))
    await conv.handle(msg(choice="_new", update="3"))  # a new household: its head's name next
    await conv.handle(msg("Lò\x1b Văn \u202eẨn\u202c", update="4"))
    async with services.sessionmaker() as db:
        row = (await db.execute(select(ConversationSession))).scalar_one()
    assert row.state["step"] == "new_members"
    assert row.state["answers"]["new_name"] == "Lò Văn Ẩn"


def test_a_chat_profiles_name_loses_them_on_the_way_in() -> None:
    """Telegram and Zalo pass the profile's name, stored as the person's name when the invite
    gave none."""
    got = without_controls(
        InboundMessage(
            channel="telegram",
            chat_id="1",
            user_id="1",
            text="xin\x1b chào\nbạn",
            display_name="\u202eAn\x00 Lê\u2066",
        )
    )
    assert (got.text, got.display_name) == ("xin chào\nbạn", "An Lê")
