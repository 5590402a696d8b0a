"""The hamlet meeting's actions (/hopthon): scope to the hamlet head's own hamlet, the vote by
QĐ 24's rule, who hears of the result, and the meeting's day bounding its agenda."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.services import Services
from domain.procedure import MEETING_FAILED, MEETING_PASSED
from handlers import meeting_actions as m
from handlers.actions import ActionContext
from storage.db import transaction
from storage.models import AuditLog, Person
from storage.models_procedure import HamletMeeting, MeetingVote
from storage.models_register import Submission
from storage.orgtree import unit_by_code
from storage.register import submit
from tests.support import AVERAGE, link_person, seed_units

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
TODAY = "2026-11-25"


async def _registration(
    services: Services, hamlet_code: str, key: str, *, reporter: int | None, at: datetime = NOW
) -> int:
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, hamlet_code)
        assert hamlet is not None
        new = await submit(
            db,
            idempotency_key=key,
            kind="exit_registration",
            source="household",
            household_id=None,
            hamlet=hamlet,
            period_id=None,
            reporter_id=reporter,
            answers={"name": f"Hộ {key}", "members": 4, "income": 8_000_000},
            result=AVERAGE,
            note=None,
            now=at,
            actor="test",
        )
        return new.submission.id  # type: ignore[return-value]


async def _head(services: Services, hamlet_code: str, name: str) -> dict[str, Any]:
    person = await link_person(services, "hamlet_head", hamlet_code, name, None)
    async with services.sessionmaker() as db:
        unit = await unit_by_code(db, hamlet_code)
    return {"linked": True, "person_id": person, "role": "hamlet_head", "unit_id": unit.id}  # type: ignore[union-attr]


async def _run(
    services: Services, user: dict[str, Any], action: Any, args: dict[str, Any], now: datetime = NOW
) -> tuple[dict[str, Any], ActionContext]:
    async with transaction(services.sessionmaker) as db:
        ctx = ActionContext(
            db=db,
            channel="simulator",
            chat_id="c",
            user_id="c",
            display_name=None,
            locale="vi",
            now=now,
            secret_key="s",
            invite_failures_per_hour=5,
            user=user,
        )
        return await action(ctx, args), ctx


async def _open(services: Services, user: dict[str, Any], present: int = 10) -> int:
    r, _ = await _run(services, user, m.meeting_open, {"held_on": TODAY, "present": present})
    assert r["status"] == "ok"
    return r["meeting"]["id"]


async def test_another_hamlets_submission_cannot_be_voted(services: Services) -> None:
    await seed_units(services)
    household = await link_person(services, "household", "37-GIAVIEN-01", "Lê Thị Mai", None)
    east_sub = await _registration(services, "37-GIAVIEN-01", "east", reporter=household)
    west = await _head(services, "37-GIAVIEN-02", "Phạm Thị Dung")
    east = await _head(services, "37-GIAVIEN-01", "Nguyễn Văn An")
    west_meeting = await _open(services, west)
    east_meeting = await _open(services, east)

    # Thôn Tây's meeting has nothing of Thôn Đông on its agenda, and cannot vote on it.
    r, _ = await _run(services, west, m.meeting_next, {"meeting": west_meeting})
    assert r == {"status": "done", "remaining": 0}
    r, ctx = await _run(
        services,
        west,
        m.meeting_vote,
        {"meeting": west_meeting, "submission": east_sub, "votes_for": 10},
    )
    assert r == {"status": "denied"} and ctx.notices == []
    # Nor use Thôn Đông's meeting.
    for action in (m.meeting_next, m.meeting_close):
        r, _ = await _run(services, west, action, {"meeting": east_meeting})
        assert r == {"status": "denied"}
    r, _ = await _run(
        services,
        west,
        m.meeting_vote,
        {"meeting": east_meeting, "submission": east_sub, "votes_for": 10},
    )
    assert r == {"status": "denied"}

    async with services.sessionmaker() as db:
        sub = await db.get(Submission, east_sub)
        votes = (await db.execute(select(MeetingVote))).scalars().all()
        denied = (
            (await db.execute(select(AuditLog).where(AuditLog.action == "scope.denied")))
            .scalars()
            .all()
        )
    assert sub is not None and sub.status == "submitted"
    assert votes == []
    assert len(denied) == 4 and {a.actor for a in denied} == {f"person:{west['person_id']}"}


async def test_a_vote_follows_the_rule_and_the_sender_hears_the_result(services: Services) -> None:
    await seed_units(services)
    household = await link_person(services, "household", "37-GIAVIEN-01", "Lê Thị Mai", None)
    first = await _registration(services, "37-GIAVIEN-01", "one", reporter=household)
    second = await _registration(
        services, "37-GIAVIEN-01", "two", reporter=household, at=NOW + timedelta(minutes=1)
    )
    head = await _head(services, "37-GIAVIEN-01", "Nguyễn Văn An")
    meeting = await _open(services, head, present=10)

    r, _ = await _run(services, head, m.meeting_next, {"meeting": meeting})
    assert r["item"]["id"] == first and r["remaining"] == 2
    # Half of those present is enough (Điều 4 khoản 3: at least 50 %).
    r, ctx = await _run(
        services, head, m.meeting_vote, {"meeting": meeting, "submission": first, "votes_for": 5}
    )
    assert r["passed"] and r["needed"] == 5 and r["notified"]
    assert [n.msgid for n in ctx.notices] == [m.PASSED]
    assert ctx.notices[0].params["due"] == "14/12/2026"  # the annual round's decision
    r, ctx = await _run(
        services, head, m.meeting_vote, {"meeting": meeting, "submission": second, "votes_for": 4}
    )
    assert not r["passed"] and r["article"].startswith("Điều 4 khoản 3")
    assert [(n.person_id, n.msgid) for n in ctx.notices] == [(household, m.FAILED)]
    assert ctx.notices[0].params["needed"] == 5
    # Voted once: not again, and more votes than people present are refused.
    r, _ = await _run(
        services, head, m.meeting_vote, {"meeting": meeting, "submission": first, "votes_for": 9}
    )
    assert r["status"] == "not_on_agenda"

    async with services.sessionmaker() as db:
        states = {
            s.id: s.status
            for s in (
                await db.execute(select(Submission).where(Submission.id.in_([first, second])))  # type: ignore[union-attr]
            ).scalars()
        }
    assert states == {first: MEETING_PASSED, second: MEETING_FAILED}


async def test_votes_beyond_those_present_are_refused(services: Services) -> None:
    await seed_units(services)
    sub = await _registration(services, "37-GIAVIEN-01", "one", reporter=None)
    head = await _head(services, "37-GIAVIEN-01", "Nguyễn Văn An")
    meeting = await _open(services, head, present=10)
    r, _ = await _run(
        services, head, m.meeting_vote, {"meeting": meeting, "submission": sub, "votes_for": 11}
    )
    assert r["status"] == "votes_out_of_range"


async def test_the_chair_is_not_told_of_their_own_report(services: Services) -> None:
    await seed_units(services)
    head = await _head(services, "37-GIAVIEN-01", "Nguyễn Văn An")
    sub = await _registration(services, "37-GIAVIEN-01", "own", reporter=head["person_id"])
    meeting = await _open(services, head)
    r, ctx = await _run(
        services, head, m.meeting_vote, {"meeting": meeting, "submission": sub, "votes_for": 1}
    )
    assert not r["passed"] and not r["notified"] and ctx.notices == []


async def test_closing_tells_the_communes_officers_what_passed(services: Services) -> None:
    await seed_units(services)
    officer = await link_person(services, "officer", "37-GIAVIEN", "Trần Thị Bình", None)
    await link_person(services, "officer", "37-KIMSON", "Officer of another commune", None)
    passing = await _registration(services, "37-GIAVIEN-01", "one", reporter=None)
    failing = await _registration(services, "37-GIAVIEN-01", "two", reporter=None)
    left = await _registration(services, "37-GIAVIEN-01", "three", reporter=None)
    head = await _head(services, "37-GIAVIEN-01", "Nguyễn Văn An")
    meeting = await _open(services, head)
    for sub, votes in ((passing, 10), (failing, 0)):
        await _run(
            services,
            head,
            m.meeting_vote,
            {"meeting": meeting, "submission": sub, "votes_for": votes},
        )
    r, ctx = await _run(services, head, m.meeting_close, {"meeting": meeting})
    assert (r["passed"], r["failed"], r["left"], r["officers"]) == (1, 1, 1, 1)
    assert [(n.person_id, n.msgid, n.params["n"]) for n in ctx.notices] == [
        (officer, m.TO_OFFICERS, 1)
    ]
    assert ctx.notices[0].choices == (("flow:review", m.REVIEW_BUTTON),)
    # Closed: no more votes in it; what was left waits for the next meeting.
    r, _ = await _run(
        services, head, m.meeting_vote, {"meeting": meeting, "submission": left, "votes_for": 10}
    )
    assert r == {"status": "closed"}
    # A meeting where nothing passed tells no officer.
    meeting = await _open(services, head)
    await _run(
        services, head, m.meeting_vote, {"meeting": meeting, "submission": left, "votes_for": 0}
    )
    r, ctx = await _run(services, head, m.meeting_close, {"meeting": meeting})
    assert (r["passed"], r["failed"], ctx.notices) == (0, 1, [])


async def test_a_meeting_left_open_is_continued_or_closed_with_its_notices(
    services: Services,
) -> None:
    await seed_units(services)
    officer = await link_person(services, "officer", "37-GIAVIEN", "Trần Thị Bình", None)
    sub = await _registration(services, "37-GIAVIEN-01", "one", reporter=None)
    await _registration(services, "37-GIAVIEN-01", "two", reporter=None)
    head = await _head(services, "37-GIAVIEN-01", "Nguyễn Văn An")
    meeting = await _open(services, head)
    await _run(
        services, head, m.meeting_vote, {"meeting": meeting, "submission": sub, "votes_for": 10}
    )
    r, _ = await _run(services, head, m.meeting_begin, {})
    assert r["count"] == 1 and r["open"]["id"] == meeting and r["open"]["voted"] == 1
    # A new meeting instead: the one left open is closed, and what it passed is reported.
    r, ctx = await _run(services, head, m.meeting_open, {"held_on": TODAY, "present": 8})
    assert r["status"] == "ok" and r["meeting"]["id"] != meeting
    assert [(n.person_id, n.msgid) for n in ctx.notices] == [(officer, m.TO_OFFICERS)]
    async with services.sessionmaker() as db:
        old = await db.get(HamletMeeting, meeting)
    assert old is not None and old.status == "closed"


async def test_the_meetings_day_bounds_its_agenda(services: Services) -> None:
    await seed_units(services)
    later = await _registration(services, "37-GIAVIEN-01", "late", reporter=None)
    head = await _head(services, "37-GIAVIEN-01", "Nguyễn Văn An")
    # Held yesterday: a registration sent this morning was not before it.
    r, _ = await _run(services, head, m.meeting_open, {"held_on": "2026-11-24", "present": 10})
    meeting = r["meeting"]["id"]
    r, _ = await _run(services, head, m.meeting_next, {"meeting": meeting})
    assert r == {"status": "done", "remaining": 0}
    r, _ = await _run(
        services, head, m.meeting_vote, {"meeting": meeting, "submission": later, "votes_for": 10}
    )
    assert r["status"] == "after_meeting"
    # Nor is a meeting recorded for tomorrow, or without anyone present.
    for args in ({"held_on": "2026-11-26", "present": 10}, {"held_on": TODAY, "present": 0}):
        r, _ = await _run(services, head, m.meeting_open, args)
        assert r == {"status": "invalid"}


async def test_an_account_without_a_hamlet_gets_nothing(services: Services) -> None:
    await seed_units(services)
    async with transaction(services.sessionmaker) as db:
        person = Person(name="Nobody", role="hamlet_head")
        db.add(person)
        await db.flush()
        user = {"linked": True, "person_id": person.id, "role": "hamlet_head", "unit_id": None}
    r, _ = await _run(services, user, m.meeting_begin, {})
    assert r == {"ok": False}
    r, _ = await _run(services, user, m.meeting_open, {"held_on": TODAY, "present": 5})
    assert r == {"status": "no_hamlet"}
