"""The commune's side of a round over the admin API: posting, complaints, the decision."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from sqlalchemy import select

from bot.services import Services
from domain.calendar import monthly
from storage.complaints import file_complaint
from storage.db import transaction
from storage.models_outbox import OutboxMessage
from storage.models_register import Household, Submission
from storage.orgtree import unit_by_code
from storage.periods import ensure_period
from storage.register import submit, timeline
from storage.reports import summary
from tests.api.conftest import Register, Tokens, bearer
from tests.conftest import Clock
from tests.support import link_person, pass_meeting

ROUNDS = "/api/v1/rounds"
POOR = {"class": "poor", "standard": "nd351-2025", "deprived": ["water"], "income_per_capita": 1}


async def _accepted(
    services: Services, client: httpx.AsyncClient, token: str, name: str, reporter: int
) -> str:
    """A Thôn Đông household reported newly poor, passed by the meeting, accepted by the commune."""
    household = await Register(services, reporter).household("37-GIAVIEN-01", name)
    async with transaction(services.sessionmaker) as db:
        new = await submit(
            db,
            idempotency_key=uuid.uuid4().hex,
            kind="newly_poor",
            source="hamlet_head",
            household_id=household,
            hamlet=await unit_by_code(db, "37-GIAVIEN-01"),  # type: ignore[arg-type]
            period_id=None,
            reporter_id=reporter,
            answers={"members": 4},
            result=POOR,
            note=None,
            now=services.clock(),
            actor="test",
        )
        await pass_meeting(db, new.submission, when=services.clock())
        ref = new.submission.ref
    r = await client.post(
        f"/api/v1/submissions/{ref}/decision", json={"decision": "approve"}, headers=bearer(token)
    )
    assert r.status_code == 200 and r.json()["submission"]["status"] == "accepted", r.text
    return ref


async def _round(client: httpx.AsyncClient, token: str) -> dict:
    r = await client.get(ROUNDS, params={"unit": "37-GIAVIEN"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    [current] = r.json()["items"]
    return current  # type: ignore[no-any-return]


async def _stages(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    r = await client.get(
        "/api/v1/reports/pending", params={"unit": "37-GIAVIEN"}, headers=bearer(token)
    )
    return {i["ref"]: i["stage"] for i in r.json()["items"]}


async def _complain(services: Services, ref: str, sender: int, text: str) -> str:
    async with transaction(services.sessionmaker) as db:
        sub = (await db.execute(select(Submission).where(Submission.ref == ref))).scalar_one()
        complaint = await file_complaint(
            db,
            submission=sub,
            text=text,
            sender_person_id=sender,
            channel=None,
            chat_id=None,
            now=services.clock(),
            actor=f"person:{sender}",
        )
        return complaint.ref


async def test_the_annual_round_posts_hears_complaints_and_decides(
    client: httpx.AsyncClient, services: Services, tokens: Tokens, clock: Clock
) -> None:
    gv = tokens.giavien
    head = await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", "c1")
    kept = await _accepted(services, client, gv, "Lê Thị Mai", head)
    dropped = await _accepted(services, client, gv, "Trần Văn Bình", head)
    rnd = await _round(client, gv)
    # 25/11/2026 lies in the annual review: it decides the 2027 lists, under NĐ 351/2025.
    assert (rnd["kind"], rnd["code"], rnd["standard"], rnd["status"]) == (
        "periodic",
        "2026",
        "nd351-2025",
        "open",
    )
    assert rnd["decision_due"] == "2026-12-14"
    r = await client.post(f"{ROUNDS}/{rnd['id']}/decision", json=_decision(), headers=bearer(gv))
    assert r.status_code == 409 and r.json() == {"error": "posting_required"}
    # Backdated so far that nobody could have complained, or before the meeting that passed
    # the households: refused, and nothing is posted.
    for starts_on, error in (
        ("2026-11-02", "posting_over"),
        ("2026-11-24", "posting_before_meeting"),
    ):
        body = {"starts_on": starts_on}
        r = await client.post(f"{ROUNDS}/{rnd['id']}/posting", json=body, headers=bearer(gv))
        assert r.status_code == 409 and r.json() == {"error": error}

    r = await client.post(f"{ROUNDS}/{rnd['id']}/posting", json={}, headers=bearer(gv))
    assert r.status_code == 200, r.text
    posted = r.json()
    # Three working days from Wednesday 25/11: Wed, Thu, Fri.
    assert posted["round"]["posting_starts_on"] == "2026-11-25"
    assert posted["round"]["posting_ends_on"] == "2026-11-27"
    assert sorted(i["ref"] for i in posted["items"]) == sorted([kept, dropped])
    r = await client.patch(
        f"{ROUNDS}/{rnd['id']}", json={"standard": "nd07-2021"}, headers=bearer(gv)
    )
    assert r.status_code == 409 and r.json() == {"error": "round_not_open"}

    neighbour = await link_person(services, "hamlet_head", "37-GIAVIEN-02", "Phạm Văn Cường", "c2")
    c1 = await _complain(services, kept, neighbour, "Hộ này có xe tải, không nghèo")
    c2 = await _complain(services, dropped, neighbour, "Hộ này mới xây nhà hai tầng")
    assert await _stages(client, gv) == {kept: "complaint", dropped: "complaint"}

    clock.advance(days=5)  # Monday 30/11: the posting is over
    r = await client.post(f"{ROUNDS}/{rnd['id']}/decision", json=_decision(), headers=bearer(gv))
    assert r.status_code == 409 and r.json() == {"error": "complaint_open"}
    url = "/api/v1/complaints/{}/decision"
    r = await client.post(url.format(c1), json={"decision": "reject"}, headers=bearer(gv))
    assert r.status_code == 422 and r.json() == {"error": "reason_required"}
    r = await client.post(
        url.format(c1),
        json={"decision": "reject", "reason": "Xe tải là của con trai đã tách hộ"},
        headers=bearer(gv),
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    r = await client.post(url.format(c2), json={"decision": "accept"}, headers=bearer(gv))
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = await client.post(url.format(c2), json={"decision": "accept"}, headers=bearer(gv))
    assert r.status_code == 409 and r.json() == {"error": "complaint_closed"}
    assert await _stages(client, gv) == {kept: "posting", dropped: "awaiting_review"}

    r = await client.post(
        f"{ROUNDS}/{rnd['id']}/decision", json=_decision("2026-12-02"), headers=bearer(gv)
    )
    assert r.status_code == 409 and r.json() == {"error": "decision_in_future"}
    r = await client.post(f"{ROUNDS}/{rnd['id']}/decision", json=_decision(), headers=bearer(gv))
    assert r.status_code == 200, r.text
    assert r.json()["decided"] == 1 and r.json()["round"]["status"] == "closed"
    assert r.json()["round"]["decision_number"] == "125/QĐ-UBND"
    r = await client.post(f"{ROUNDS}/{rnd['id']}/decision", json=_decision(), headers=bearer(gv))
    assert r.status_code == 409 and r.json() == {"error": "round_closed"}

    async with services.sessionmaker() as db:
        sub = (await db.execute(select(Submission).where(Submission.ref == kept))).scalar_one()
        household = await db.get(Household, sub.household_id)
        other = (await db.execute(select(Submission).where(Submission.ref == dropped))).scalar_one()
        events = await timeline(db, sub.household_id)  # type: ignore[arg-type]
        texts = [m.text for m in (await db.execute(select(OutboxMessage))).scalars()]
    assert household.status == "poor" and household.status_since == date(2026, 11, 30)  # type: ignore[union-attr]
    assert sub.status == "approved" and other.status == "meeting_passed"
    [approval] = [e for e in events if e.get("action") == "submission.approve"]
    assert approval["after"]["decision_number"] == "125/QĐ-UBND"
    assert (
        f"Nghèo phát sinh {kept} (Lê Thị Mai): đã được công nhận theo Quyết định số "
        "125/QĐ-UBND ngày 30/11/2026 của UBND xã. Tình trạng của hộ hiện là: hộ nghèo."
    ) in texts
    assert (
        f"Phản ánh {c1} của bạn về hộ Lê Thị Mai không được chấp nhận. "
        "Lý do: Xe tải là của con trai đã tách hộ"
    ) in texts
    assert any(
        t.startswith(f"Phản ánh {c2} của bạn về hộ Trần Văn Bình đã được tiếp nhận") for t in texts
    )
    # The household taken off by the complaint waits for the next round.
    r = await client.get(f"{ROUNDS}/{rnd['id']}/list", headers=bearer(gv))
    assert [i["ref"] for i in r.json()["items"]] == [kept]


def _decision(day: str = "2026-11-30") -> dict[str, str]:
    return {"number": "125/QĐ-UBND", "date": day, "signer": "Nguyễn Văn Chủ"}


async def test_the_round_standard_is_the_officers_choice_and_scoped(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    rnd = await _round(client, tokens.giavien)
    url = f"{ROUNDS}/{rnd['id']}"
    r = await client.patch(url, json={"standard": "nd99-2040"}, headers=bearer(tokens.giavien))
    assert r.status_code == 422 and r.json() == {"error": "unknown_standard"}
    r = await client.patch(url, json={"standard": "nd07-2021"}, headers=bearer(tokens.kimson))
    assert r.status_code == 403
    r = await client.patch(url, json={"standard": "nd07-2021"}, headers=bearer(tokens.province))
    assert r.status_code == 403  # the commune runs its round; the province reads it
    r = await client.patch(url, json={"standard": "nd07-2021"}, headers=bearer(tokens.giavien))
    assert r.status_code == 200 and r.json()["standard"] == "nd07-2021"
    r = await client.get(ROUNDS, params={"unit": "37"}, headers=bearer(tokens.province))
    assert [(i["commune"], i["standard"]) for i in r.json()["items"]] == [
        ("37-GIAVIEN", "nd07-2021")
    ]
    r = await client.get(f"{url}/list", headers=bearer(tokens.kimson))
    assert r.status_code == 403
    r = await client.post(f"{url}/posting", json={}, headers=bearer(tokens.giavien))
    assert r.status_code == 409 and r.json() == {"error": "nothing_to_post"}


async def test_a_change_counts_in_the_period_of_its_decision(
    client: httpx.AsyncClient, services: Services, tokens: Tokens, clock: Clock
) -> None:
    """Reported and passed by the meeting in November, decided on 2 December: the summary
    counts it as newly poor in December, so November's end matches the last decision."""
    gv = tokens.giavien
    head = await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", "c1")
    await _accepted(services, client, gv, "Lê Thị Mai", head)
    rnd = await _round(client, gv)
    clock.advance(days=2)  # Friday 27/11: posted 27/11, 30/11, 1/12
    r = await client.post(f"{ROUNDS}/{rnd['id']}/posting", json={}, headers=bearer(gv))
    assert r.json()["round"]["posting_ends_on"] == "2026-12-01"
    clock.advance(days=5)  # Wednesday 2/12
    r = await client.post(
        f"{ROUNDS}/{rnd['id']}/decision", json=_decision("2026-12-02"), headers=bearer(gv)
    )
    assert r.status_code == 200, r.text
    newly = {}
    async with transaction(services.sessionmaker) as db:
        commune = await unit_by_code(db, "37-GIAVIEN")
        for code, spec in (("2026-11", monthly(2026, 11)), ("2026-12", monthly(2026, 12))):
            period = await ensure_period(db, spec)
            rows = await summary(db, unit=commune, period=period)  # type: ignore[arg-type]
            newly[code] = rows[-1].all.poor.newly
    assert newly == {"2026-11": 0, "2026-12": 1}
