"""Exit registrations below the transcripts: what is stored, the rate limit, the storage rules."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services import Services
from handlers.inbound import InboundMessage
from storage.db import transaction
from storage.exit_register import find_poor_households, hamlet_review, registration_by_ref
from storage.models import AuditLog, ChannelAccount, Person, RateEvent
from storage.models_register import Household, Submission
from storage.orgtree import unit_by_code
from storage.units_search import search_communes
from tests.support import make_household, seed_units


async def say(
    services: Services, text: str | None = None, *, choice: str | None = None, chat: str = "h1"
) -> str:
    replies = await services.conversations.handle(
        InboundMessage(
            channel="simulator",
            chat_id=chat,
            user_id=chat,
            text=text,
            choice=choice,
            update_id=uuid.uuid4().hex,
        )
    )
    return "\n".join(r.text for r in replies or [])


async def register(
    services: Services, name: str, *, chat: str = "h1", income: str = "8 triệu"
) -> str:
    """Answer every question of /thoatngheo for a household of Thôn Đông; the last reply."""
    await say(services, "/thoatngheo", chat=chat)
    await say(services, "gia vien", chat=chat)
    await say(services, "1", chat=chat)  # Thôn Đông
    await say(services, name, chat=chat)
    await say(services, income, chat=chat)
    await say(services, "4", chat=chat)
    await say(services, "0", chat=chat)
    await say(services, choice="send", chat=chat)
    return await say(services, choice="yes", chat=chat)


async def test_a_registration_links_the_chat_to_a_household_person(services: Services) -> None:
    await seed_units(services)
    code = await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    reply = await register(services, "le thi mai")
    assert "TN-" in reply
    async with services.sessionmaker() as db:
        sub = (await db.execute(select(Submission))).scalar_one()
        household = (await db.execute(select(Household))).scalar_one()
        person = await db.get(Person, sub.reporter_id)
        account = (await db.execute(select(ChannelAccount))).scalar_one()
        assert household.code == code
        assert (sub.kind, sub.source, sub.status) == ("exit_registration", "household", "submitted")
        assert sub.household_id == household.id
        # 2.000.000 ₫ a person: near-poor under NĐ 351/2025, the standard of the annual round
        # under way on 25/11/2026 (average under NĐ 07/2021, still in force that day).
        assert (sub.result["class"], sub.result["standard"]) == ("near_poor", "nd351-2025")
        assert sub.answers["members"] == 4
        assert sub.answers["name"] == "Lê Thị Mai"  # as the register spells it
        assert person is not None
        assert (person.role, person.household_id, person.locale) == (
            "household",
            household.id,
            "vi",
        )
        assert account.person_id == person.id and account.chat_id == "h1"
        # Submitting does not touch the register: only an approval will.
        assert household.status == "poor"


async def test_new_registrations_per_chat_are_rate_limited(services: Services) -> None:
    await seed_units(services)
    now = services.clock()
    async with transaction(services.sessionmaker) as db:
        for minutes in (10, 20, 30):
            db.add(
                RateEvent(
                    kind="exit_registration",
                    channel="simulator",
                    chat_id="h1",
                    at=now - timedelta(hours=23, minutes=minutes),
                )
            )
    reply = await say(services, "/thoatngheo")
    assert "đã gửi 3 đăng ký trong 24 giờ qua" in reply and "sau 1 giờ" in reply
    services.clock.advance(hours=1)  # type: ignore[attr-defined]
    assert "Bạn sống ở xã/phường nào?" in await say(services, "/thoatngheo")
    # Another chat is not limited by this one.
    assert "Bạn sống ở xã/phường nào?" in await say(services, "/thoatngheo", chat="h2")


async def test_a_submission_counts_towards_the_limit(services: Services) -> None:
    await seed_units(services)
    await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    await register(services, "le thi mai")
    async with services.sessionmaker() as db:
        events = (await db.execute(select(RateEvent.kind, RateEvent.chat_id))).all()
    assert events == [("exit_registration", "h1")]


async def test_correcting_someone_elses_registration_is_refused_and_audited(
    services: Services,
) -> None:
    await seed_units(services)
    await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    await register(services, "le thi mai")
    async with services.sessionmaker() as db:
        sub = (await db.execute(select(Submission))).scalar_one()
    reply = await say(services, choice=f"flow:exit:fix:{sub.ref}", chat="intruder")
    assert f"Bạn không có đăng ký {sub.ref} nào cần sửa." in reply
    async with services.sessionmaker() as db:
        denied = (
            await db.execute(select(AuditLog).where(AuditLog.action == "scope.denied"))
        ).scalar_one()
    assert denied.entity == f"submission:{sub.id}" and denied.actor == "simulator:intruder"


async def test_hamlet_review_moves_only_a_submitted_registration(services: Services) -> None:
    await seed_units(services)
    await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    await register(services, "le thi mai")
    now = services.clock()
    async with transaction(services.sessionmaker) as db:
        sub = (await db.execute(select(Submission))).scalar_one()
        with pytest.raises(ValueError, match="hamlet meeting"):  # the meeting's vote, not a tap
            await hamlet_review(
                db, submission=sub, decision="confirm", reason=None, reviewer_id=1, now=now
            )
        await hamlet_review(
            db, submission=sub, decision="return", reason="Thiếu thu nhập", reviewer_id=1, now=now
        )
        assert (sub.status, sub.decision_reason) == ("returned", "Thiếu thu nhập")
        with pytest.raises(ValueError):
            await hamlet_review(
                db, submission=sub, decision="confirm", reason=None, reviewer_id=1, now=now
            )
    async with services.sessionmaker() as db:
        again = await registration_by_ref(db, sub.ref.lower())
        entry = (
            await db.execute(select(AuditLog).where(AuditLog.action == "submission.hamlet_return"))
        ).scalar_one()
    assert again is not None and again.status == "returned"
    assert entry.before == {"status": "submitted"} and entry.at == now


async def test_only_poor_and_near_poor_households_are_matched(services: Services) -> None:
    await seed_units(services)
    await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai Anh", 2, "near_poor")
    await make_household(services, "37-GIAVIEN-01", "Lê Văn Mai", 3, "not_poor")
    await make_household(services, "37-GIAVIEN-02", "Lê Thị Mai", 4, "poor")  # another hamlet
    async with services.sessionmaker() as db:
        hamlet = await unit_by_code(db, "37-GIAVIEN-01")
        assert hamlet is not None and hamlet.id is not None
        exact = await find_poor_households(db, hamlet_id=hamlet.id, name="LE THI MAI")
        assert [h.head_name for h in exact] == ["Lê Thị Mai"]  # the exact name wins
        partial = await find_poor_households(db, hamlet_id=hamlet.id, name="mai anh")
        assert [h.head_name for h in partial] == ["Lê Thị Mai Anh"]
        assert await find_poor_households(db, hamlet_id=hamlet.id, name="le van mai") == []
        assert await find_poor_households(db, hamlet_id=hamlet.id, name="100%_") == []


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("gia vien", ["Xã Gia Viễn"]),
        ("XÃ GIA VIỄN", ["Xã Gia Viễn"]),
        ("Gia", ["Xã Gia Viễn"]),
        ("hoa lu", ["Phường Hoa Lư"]),
        ("xa", ["Xã Gia Viễn", "Xã Kim Sơn"]),
        ("thon dong", []),  # hamlets are not communes
        ("ninh binh", []),  # nor is the province
    ],
)
async def test_communes_are_found_without_diacritics(
    services: Services, query: str, names: list[str]
) -> None:
    await seed_units(services)
    async with services.sessionmaker() as db:
        hits = await search_communes(db, query=query)
    assert [h.name for h in hits] == names
    assert all(h.parent_name == "Tỉnh Ninh Bình" for h in hits)


async def test_a_linked_household_registers_again_without_repeating_where_and_who(
    services: Services,
) -> None:
    await seed_units(services)
    await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    await register(services, "le thi mai")
    async with transaction(services.sessionmaker) as db:
        sub = (await db.execute(select(Submission))).scalar_one()
        sub.status = "rejected"  # as the officer would decide
    reply = await say(services, "/thoatngheo")
    assert "Bạn sống ở xã/phường nào?" not in reply
    assert "Tổng thu nhập một tháng của cả hộ nhà bạn" in reply
    await say(services, "9 triệu")
    await say(services, "4")
    summary = await say(services, "0")
    assert "Hộ: Lê Thị Mai, Thôn Đông, Xã Gia Viễn" in summary
    await say(services, choice="send")
    assert "Đã gửi đăng ký" in await say(services, choice="yes")
    async with services.sessionmaker() as db:
        subs = (await db.execute(select(Submission).order_by(Submission.id))).scalars().all()
        people = (await db.execute(select(Person))).scalars().all()
    assert [s.status for s in subs] == ["rejected", "submitted"]
    assert len(people) == 1 and subs[1].reporter_id == people[0].id


async def test_a_household_no_longer_poor_has_nothing_to_register(services: Services) -> None:
    await seed_units(services)
    await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    await register(services, "le thi mai")
    async with transaction(services.sessionmaker) as db:
        sub = (await db.execute(select(Submission))).scalar_one()
        household = await db.get(Household, sub.household_id)
        assert household is not None
        sub.status, household.status = "approved", "average"  # as an approval would leave them
    reply = await say(services, "/thoatngheo")
    assert "Theo sổ theo dõi, hộ của bạn thuộc diện hộ có mức sống trung bình" in reply
