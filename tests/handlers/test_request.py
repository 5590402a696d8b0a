"""Requests to be reviewed (Mẫu 01) and complaints below the transcripts: what is stored and
what is not, the rate limits, someone else's paper, a posting that ends mid-complaint."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from bot.services import Services
from domain.procedure import POSTED
from handlers.inbound import InboundMessage
from storage.db import transaction
from storage.models import AuditLog, Person, RateEvent
from storage.models_procedure import Complaint
from storage.models_register import Submission
from storage.orgtree import unit_by_code
from storage.register import decide, submit
from storage.rounds import current_round, start_posting
from tests.support import make_household, pass_meeting, seed_units

NO = "2"  # every indicator question answered "không"


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


async def request(services: Services, name: str, *, chat: str = "h1") -> str:
    """Answer every question of /denghi for a household of Thôn Đông; the last reply."""
    for text in ("/denghi", "gia vien", "1", name, "4", "3 triệu", "1", NO, "1", "1"):
        await say(services, text, chat=chat)
    for _ in range(8):
        await say(services, NO, chat=chat)
    await say(services, "Chồng ốm nặng", chat=chat)
    await say(services, choice="send", chat=chat)
    return await say(services, choice="yes", chat=chat)


async def test_a_request_keeps_what_the_form_needs_and_no_identity_number(
    services: Services,
) -> None:
    await seed_units(services)
    await make_household(services, "37-GIAVIEN-01", "Phạm Thị Hoa", 4, "near_poor")
    reply = await request(services, "pham thi hoa")
    assert "DN-" in reply
    async with services.sessionmaker() as db:
        sub = (await db.execute(select(Submission))).scalar_one()
        person = await db.get(Person, sub.reporter_id)
        events = (await db.execute(select(RateEvent.kind, RateEvent.chat_id))).all()
    assert (sub.kind, sub.source, sub.status) == ("review_request", "household", "submitted")
    assert sub.ref.startswith("DN-") and sub.note == "Chồng ốm nặng"
    assert set(sub.answers) == {
        "kind",
        "name",
        "name_key",
        "household",
        "members",
        "income",
        "deprived",
        "reason",
    }
    assert sub.answers["deprived"] == ["employment", "nutrition", "health_insurance"]
    assert (sub.result["class"], sub.result["standard"]) == ("poor", "nd351-2025")
    assert person is not None and (person.role, person.household_id) == (
        "household",
        sub.household_id,
    )
    assert events == [("review_request", "h1")]


async def test_new_requests_per_chat_are_rate_limited(services: Services) -> None:
    await seed_units(services)
    now = services.clock()
    async with transaction(services.sessionmaker) as db:
        for minutes in (10, 20, 30):
            db.add(
                RateEvent(
                    kind="review_request",
                    channel="simulator",
                    chat_id="h1",
                    at=now - timedelta(hours=23, minutes=minutes),
                )
            )
    reply = await say(services, "/denghi")
    assert "đã gửi 3 đề nghị trong 24 giờ qua" in reply and "sau 1 giờ" in reply
    services.clock.advance(hours=1)  # type: ignore[attr-defined]
    assert "Bạn sống ở xã/phường nào?" in await say(services, "/denghi")
    assert "Bạn sống ở xã/phường nào?" in await say(services, "/denghi", chat="h2")


async def test_correcting_someone_elses_request_is_refused_and_audited(services: Services) -> None:
    await seed_units(services)
    await request(services, "Lò Văn Sáu")
    async with services.sessionmaker() as db:
        sub = (await db.execute(select(Submission))).scalar_one()
    reply = await say(services, choice=f"flow:request:fix:{sub.ref}", chat="intruder")
    assert f"Bạn không có đề nghị {sub.ref} nào cần sửa." in reply
    async with services.sessionmaker() as db:
        denied = (
            await db.execute(select(AuditLog).where(AuditLog.action == "scope.denied"))
        ).scalar_one()
    assert denied.entity == f"submission:{sub.id}" and denied.actor == "simulator:intruder"


async def posted_list(services: Services, head: str = "Lê Thị Mai") -> str:
    """A Thôn Đông household reported newly poor, passed by the meeting, accepted and posted
    from today (25/11/2026, to 27/11); its reference."""
    await make_household(services, "37-GIAVIEN-01", head, 4, "near_poor")
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, "37-GIAVIEN-01")
        assert hamlet is not None and hamlet.parent_id is not None
        new = await submit(
            db,
            idempotency_key=uuid.uuid4().hex,
            kind="newly_poor",
            source="hamlet_head",
            household_id=None,
            hamlet=hamlet,
            period_id=None,
            reporter_id=None,
            answers={"name": head, "members": 4},
            result={"class": "poor", "standard": "nd351-2025", "deprived": []},
            note=None,
            now=services.clock(),
            actor="test",
        )
        sub = new.submission
        await pass_meeting(db, sub, when=services.clock())
        await decide(
            db,
            submission=sub,
            decision="approve",
            reason=None,
            officer_id=None,
            now=services.clock(),
            actor="test",
        )
        rnd = await current_round(db, commune_id=hamlet.parent_id, now=services.clock())
        await start_posting(db, rnd=rnd, starts_on=date(2026, 11, 25), actor="test")
        assert sub.status == POSTED
        return sub.ref


async def test_complaints_per_chat_are_rate_limited(services: Services) -> None:
    await seed_units(services)
    now = services.clock()
    async with transaction(services.sessionmaker) as db:
        for minutes in range(5):
            db.add(
                RateEvent(
                    kind="complaint",
                    channel="simulator",
                    chat_id="h1",
                    at=now - timedelta(hours=2, minutes=minutes),
                )
            )
    reply = await say(services, "/phananh")
    assert "đã gửi 5 phản ánh trong 24 giờ qua" in reply and "sau 22 giờ" in reply


async def test_a_complaint_sent_after_the_posting_ended_is_refused(services: Services) -> None:
    """Picked while the list was posted, sent after its last day: nothing is stored."""
    await seed_units(services)
    await posted_list(services)
    for text in ("/phananh", "gia vien", "1", "Hộ này có xe tải và cửa hàng", "1", "Đỗ Văn Tâm"):
        await say(services, text)
    services.clock.advance(days=2, hours=16)  # type: ignore[attr-defined]  # 01:00 on 28/11
    reply = await say(services, choice="send")
    assert "Thời gian niêm yết đã kết thúc" in reply
    async with services.sessionmaker() as db:
        assert (await db.execute(select(Complaint))).first() is None
        assert (await db.execute(select(Person))).first() is None  # no one linked for nothing


async def test_a_complaint_links_a_chat_without_a_role_to_its_hamlet(services: Services) -> None:
    await seed_units(services)
    ref = await posted_list(services)
    for text in ("/phananh", "gia vien", "mai", "Hộ này có xe tải và cửa hàng", "2", "Đỗ Văn Tâm"):
        await say(services, text)
    assert "Đã gửi phản ánh" in await say(services, choice="send")
    async with services.sessionmaker() as db:
        complaint = (await db.execute(select(Complaint))).scalar_one()
        person = await db.get(Person, complaint.sender_person_id)
        sub = await db.get(Submission, complaint.submission_id)
        hamlet = await unit_by_code(db, "37-GIAVIEN-02")
    assert sub is not None and sub.ref == ref
    assert (complaint.status, complaint.channel, complaint.chat_id) == ("open", "simulator", "h1")
    assert person is not None and (person.name, person.role) == ("Đỗ Văn Tâm", "household")
    assert hamlet is not None and person.org_unit_id == hamlet.id and person.household_id is None
