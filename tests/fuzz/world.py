"""What the flow fuzzer drives: the real Conversations use case (the simulator channel's path) on
a migrated SQLite database, with helpers that set up each flow's preconditions for a fresh chat."""

from __future__ import annotations

import asyncio
import itertools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.services import Services
from conversations.model import Outbound
from domain.procedure import POSTED
from handlers.inbound import InboundMessage
from storage.complaints import file_complaint
from storage.db import transaction
from storage.models import ChannelAccount, ConversationSession, Person
from storage.models_register import Submission
from storage.orgtree import unit_by_code
from storage.register import decide, submit
from storage.rounds import current_round, start_posting
from tests.support import make_household, make_invite, pass_meeting

CHANNEL = "simulator"
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội, before the hamlet deadline
# Letters only Vietnamese writes (NFC): a reply without any of them is not Vietnamese text.
VIETNAMESE = set(
    "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ĂÂĐÊÔƠƯÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
)
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Quang", "Thanh", "Xuân", "Hồng")
GIVEN = ("An", "Bình", "Cường", "Dung", "Giang", "Hà", "Khánh", "Lan", "Mai", "Nở", "Oanh")
NAMES = [  # 11,000 distinct names: every example's people and households differ
    f"{s} {m} {n} {g}" for s, m, n, g in itertools.product(SURNAMES, MIDDLE, MIDDLE, GIVEN)
]


def vietnamese(text: str) -> bool:
    return any(ch in VIETNAMESE for ch in unicodedata.normalize("NFC", text))


@dataclass
class State:
    flow: str | None
    step: str | None
    answers: dict[str, Any]
    offer: bool
    paused: bool
    ticked: bool = False  # a checklist being answered has ticks


@dataclass
class World:
    services: Services
    runner: asyncio.Runner
    serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    names: Any = field(default_factory=lambda: iter(NAMES))

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    def next_id(self) -> int:
        return next(self.serial)

    def name(self) -> str:
        return next(self.names)

    # -- talking -------------------------------------------------------------------------------

    async def send(
        self, chat: str, text: str | None = None, choice: str | None = None
    ) -> list[Outbound]:
        replies = await self.services.conversations.handle(
            InboundMessage(
                channel=CHANNEL,
                chat_id=chat,
                user_id=chat,
                text=text,
                choice=choice,
                update_id=f"fuzz-{self.next_id()}",
            )
        )
        assert replies is not None  # every update id is new
        return replies

    async def state(self, chat: str) -> State:
        async with self.services.sessionmaker() as db:
            stmt = select(ConversationSession.state).where(
                ConversationSession.channel == CHANNEL, ConversationSession.chat_id == chat
            )
            raw = (await db.execute(stmt)).scalar_one_or_none() or {}
        return State(
            raw.get("flow"),
            raw.get("step"),
            dict(raw.get("answers") or {}),
            bool(raw.get("offer")),
            bool(raw.get("paused")),
            bool((raw.get("vars") or {}).get("_multi")),
        )

    # -- set-up --------------------------------------------------------------------------------

    async def person(self, role: str, unit: str) -> str:
        """A fresh chat linked to a new person with this role and unit."""
        chat = f"{role}-{self.next_id()}"
        async with transaction(self.services.sessionmaker) as db:
            org = await unit_by_code(db, unit)
            assert org is not None
            person = Person(name=self.name(), role=role, org_unit_id=org.id)
            db.add(person)
            await db.flush()
            db.add(
                ChannelAccount(
                    channel=CHANNEL,
                    external_user_id=chat,
                    chat_id=chat,
                    person_id=person.id,  # type: ignore[arg-type]
                )
            )
        return chat

    async def household(self, hamlet: str, status: str = "poor") -> tuple[str, str]:
        """A register entry with a name no other has; (code, head name)."""
        head = self.name()
        return await make_household(self.services, hamlet, head, 4, status), head

    async def posted(self, hamlet: str) -> int:
        """A household of the hamlet reported newly poor, passed by the meeting, accepted and
        posted from today (the first time); kept on the list (a complaint accepted by a random
        input takes it off); its submission id."""
        async with transaction(self.services.sessionmaker) as db:
            unit = await unit_by_code(db, hamlet)
            assert unit is not None and unit.parent_id is not None
            rnd = await current_round(db, commune_id=unit.parent_id, now=NOW)
            found = (
                (await db.execute(select(Submission).where(Submission.hamlet_id == unit.id)))
                .scalars()
                .first()
            )
            if found is not None:
                found.status, found.round_id = POSTED, rnd.id
                return found.id  # type: ignore[return-value]
            new = await submit(
                db,
                idempotency_key=f"fuzz-posted-{hamlet}",
                kind="newly_poor",
                source="hamlet_head",
                household_id=None,
                hamlet=unit,
                period_id=None,
                reporter_id=None,
                answers={"name": self.name(), "members": 4},
                result={"class": "poor", "standard": rnd.standard_id, "deprived": []},
                note=None,
                now=NOW,
                actor="test",
            )
            await pass_meeting(db, new.submission, when=NOW)
            await decide(
                db,
                submission=new.submission,
                decision="approve",
                reason=None,
                officer_id=None,
                now=NOW,
                actor="test",
            )
            await start_posting(db, rnd=rnd, starts_on=NOW.date(), actor="test")
            return new.submission.id  # type: ignore[return-value]

    async def complaint(self, hamlet: str) -> None:
        """A complaint waiting for the commune's answer, about the hamlet's posted household."""
        sub_id = await self.posted(hamlet)
        async with transaction(self.services.sessionmaker) as db:
            sub = await db.get(Submission, sub_id)
            assert sub is not None
            await file_complaint(
                db,
                submission=sub,
                text="Hộ này có xe tải",
                sender_person_id=None,
                channel=CHANNEL,
                chat_id=f"sender-{self.next_id()}",
                now=NOW,
                actor="test",
            )

    async def invite(self) -> str:
        return await make_invite(self.services, "hamlet_head", "37-GIAVIEN-02", self.name())

    async def script(self, chat: str, inputs: list[str], expect: str) -> None:
        """Run inputs known to be valid (a precondition, not under test)."""
        replies: list[Outbound] = []
        for text in inputs:
            replies = await self.send(chat, text)
        assert any(expect in r.text for r in replies), [r.text for r in replies]


Answer = Callable[[State], str]
