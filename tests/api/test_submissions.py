"""Submissions and exit registrations: filtered lists, detail, and the decision that notifies the
reporter in chat (same path as /duyet), audited with the token; scope 403, repeat 409."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
from sqlalchemy import select

from bot.services import Services
from storage.db import transaction
from storage.models import AuditLog, Person
from storage.models_outbox import OutboxMessage
from storage.models_register import Household, Submission
from storage.orgtree import unit_by_code
from storage.register import submit
from tests.api.conftest import NOV, Register, Tokens, bearer
from tests.support import link_person, pass_meeting

LIST = "/api/v1/submissions"


async def _pending(services: Services, *, locale: str = "vi", kind: str = "newly_poor") -> str:
    """A Thôn Đông household reported newly poor by a hamlet head with a chat; its reference."""
    reporter = await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", "c1")
    household = await Register(services, reporter).household("37-GIAVIEN-01", "Lê Thị Mai")
    async with transaction(services.sessionmaker) as db:
        person = await db.get(Person, reporter)
        person.locale = locale  # type: ignore[union-attr]
        hamlet = await unit_by_code(db, "37-GIAVIEN-01")
        new = await submit(
            db,
            idempotency_key=uuid.uuid4().hex,
            kind=kind,
            source="hamlet_head",
            household_id=household,
            hamlet=hamlet,  # type: ignore[arg-type]
            period_id=None,
            reporter_id=reporter,
            answers={"members": 5},
            result={
                "class": "poor",
                "standard": "nd07-2021",
                "deprived": ["water", "latrine", "telecom"],
                "income_per_capita": 900_000,
            },
            note=None,
            now=NOV,
            actor="test",
        )
        return new.submission.ref


async def _refs(client: httpx.AsyncClient, token: str, **params: str) -> list[str]:
    r = await client.get(LIST, params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    return [s["kind"] + ":" + s["name"] for s in body["items"]]


async def test_filters_by_unit_period_status_and_kind(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    gv = fixture_data.giavien
    assert len(await _refs(client, gv)) == 15
    assert sorted(await _refs(client, gv, period="2026-11")) == [
        "exit_registration:G",
        "exited_poverty:A",
        "fell_back:C",
        "moved_out:J",
        "newly_poor:D",
        "newly_poor:I",
    ]  # H's exit at 00:30 on 1 December (Hà Nội) is not in November
    assert await _refs(client, gv, period="2026-11", kind="exit_registration") == [
        "exit_registration:G"
    ]
    assert await _refs(client, gv, status="rejected") == ["newly_poor:I"]
    assert sorted(await _refs(client, gv, unit="37-GIAVIEN-03")) == [
        "moved_out:J",
        "newly_near_poor:J",
    ]
    assert len(await _refs(client, fixture_data.province)) == 17
    r = await client.get(LIST, params={"limit": 2, "offset": 14}, headers=bearer(gv))
    assert r.json()["total"] == 15 and len(r.json()["items"]) == 1
    r = await client.get(LIST, params={"period": "2031-01"}, headers=bearer(gv))
    assert r.status_code == 404
    for bad in ({"status": "lost"}, {"kind": "newly_rich"}):
        r = await client.get(LIST, params=bad, headers=bearer(gv))
        assert r.status_code == 422, bad


async def test_detail_by_id_or_reference(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    ref = await _pending(services)
    r = await client.get(f"{LIST}/{ref.lower()}", headers=bearer(tokens.giavien))
    assert r.status_code == 200
    body = r.json()
    assert body["ref"] == ref and body["pending"] is True
    assert body["hamlet_name"] == "Thôn Đông" and body["name"] == "Lê Thị Mai"
    assert body["reporter"] == "Nguyễn Văn An" and body["answers"] == {"members": 5}
    r2 = await client.get(f"{LIST}/{body['id']}", headers=bearer(tokens.giavien))
    assert r2.json() == body
    r = await client.get(f"{LIST}/BC-NOPE", headers=bearer(tokens.giavien))
    assert r.status_code == 404 and r.json() == {"error": "not_found"}


async def test_kim_son_officer_cannot_read_or_decide_gia_vien(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    ref = await _pending(services)
    ks = bearer(tokens.kimson)
    r = await client.get(LIST, params={"unit": "37-GIAVIEN"}, headers=ks)
    assert r.status_code == 403 and r.json() == {"error": "forbidden"}
    assert (await client.get(LIST, headers=ks)).json()["total"] == 0  # its own commune: none
    r = await client.get(f"{LIST}/{ref}", headers=ks)
    assert r.status_code == 403
    r = await client.post(f"{LIST}/{ref}/decision", json={"decision": "approve"}, headers=ks)
    assert r.status_code == 403 and r.json() == {"error": "forbidden"}
    r = await client.get(
        "/api/v1/exports/submissions.csv", params={"unit": "37-GIAVIEN"}, headers=ks
    )
    assert r.status_code == 403
    async with services.sessionmaker() as db:
        sub = (await db.execute(select(Submission).where(Submission.ref == ref))).scalar_one()
        denied = (
            (await db.execute(select(AuditLog.entity).where(AuditLog.action == "scope.denied")))
            .scalars()
            .all()
        )
    assert sub.status == "submitted"
    assert denied.count(f"submission:{sub.id}") == 2


async def _outbox(services: Services) -> list[OutboxMessage]:
    async with services.sessionmaker() as db:
        return list(
            (
                await db.execute(select(OutboxMessage).where(OutboxMessage.rule == "notice"))
            ).scalars()
        )


async def _meeting_passes(services: Services, ref: str) -> None:
    async with transaction(services.sessionmaker) as db:
        sub = (await db.execute(select(Submission).where(Submission.ref == ref))).scalar_one()
        await pass_meeting(db, sub, when=NOV)


async def test_approval_waits_for_the_meeting_then_puts_it_on_the_rounds_list(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    ref = await _pending(services, locale="en")
    url, gv = f"{LIST}/{ref}/decision", bearer(tokens.giavien)
    r = await client.post(url, json={"decision": "approve"}, headers=gv)
    assert r.status_code == 409 and r.json() == {"error": "meeting_required"}
    assert await _outbox(services) == []
    await _meeting_passes(services, ref)
    r = await client.post(url, json={"decision": "approve"}, headers=gv)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["submission"]["status"] == "accepted" and body["submission"]["pending"] is True
    assert body["notified"] is True and body["household_status"] is None
    [message] = await _outbox(services)
    assert message.chat_id == "c1" and message.channel == "simulator"
    assert message.text == (
        f"Newly poor {ref} (Lê Thị Mai): accepted by the commune onto the round's list. It "
        "becomes official with the commune's decision after the list is posted publicly."
    )
    async with services.sessionmaker() as db:
        household = (
            await db.execute(select(Household).where(Household.head_name == "Lê Thị Mai"))
        ).scalar_one()
        audit = (
            await db.execute(
                select(AuditLog.action, AuditLog.actor).where(
                    AuditLog.action.in_(["submission.accept", "household.update"])
                )
            )
        ).all()  # type: ignore[attr-defined]
    assert household.status == "unknown"  # unchanged until the commune's decision
    assert audit == [("submission.accept", "api_token:1")]
    r = await client.get("/api/v1/reports/pending", params={"unit": "37-GIAVIEN"}, headers=gv)
    assert [(i["ref"], i["stage"]) for i in r.json()["items"]] == [(ref, "awaiting_posting")]


async def test_return_needs_a_reason_and_sends_the_fix_button(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    ref = await _pending(services)
    url, gv = f"{LIST}/{ref}/decision", bearer(tokens.giavien)
    for body in ({"decision": "return"}, {"decision": "reject", "reason": "  "}):
        r = await client.post(url, json=body, headers=gv)
        assert r.status_code == 422 and r.json() == {"error": "reason_required"}
    r = await client.post(url, json={"decision": "maybe"}, headers=gv)
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    r = await client.post(
        url, json={"decision": "return", "reason": "Thiếu số nhân khẩu"}, headers=gv
    )
    assert r.status_code == 200
    assert r.json()["submission"]["decision_reason"] == "Thiếu số nhân khẩu"
    [message] = await _outbox(services)
    assert (
        message.text
        == f"Nghèo phát sinh {ref} (Lê Thị Mai): xã trả lại để sửa. Lý do: Thiếu số nhân khẩu"
    )
    assert message.choices == [[f"flow:report:fix:{ref}", "Sửa báo cáo"]]
    r = await client.post(url, json={"decision": "approve"}, headers=gv)
    assert r.status_code == 409


async def test_submissions_csv(client: httpx.AsyncClient, fixture_data: Tokens) -> None:
    r = await client.get(
        "/api/v1/exports/submissions.csv",
        params={"period": "2026-11", "kind": "exit_registration"},
        headers=bearer(fixture_data.giavien),
    )
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã phiếu", "Loại", "Trạng thái"]
    assert len(rows) == 2
    # The kind and the state in words, as the chat says them (the JSON keeps the codes).
    assert rows[1][1:5] == ["Đăng ký thoát nghèo", "Đã duyệt", "37-GIAVIEN-02", "Thôn Tây"]
    assert rows[1][8] == "10:00 10/11/2026"  # Hà Nội time


async def test_an_exit_registration_decided_over_the_api_tells_the_household(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    """After the hamlet meeting, the commune rejects it: the household reads why, in English."""
    household_person = await link_person(services, "household", "37-GIAVIEN-02", "Đỗ Thị Hoa", "h1")
    household = await Register(services, household_person).household("37-GIAVIEN-02", "Đỗ Thị Hoa")
    async with transaction(services.sessionmaker) as db:
        person = await db.get(Person, household_person)
        person.locale, person.household_id = "en", household  # type: ignore[union-attr]
        new = await submit(
            db,
            idempotency_key="exit-api",
            kind="exit_registration",
            source="household",
            household_id=household,
            hamlet=await unit_by_code(db, "37-GIAVIEN-02"),  # type: ignore[arg-type]
            period_id=None,
            reporter_id=household_person,
            answers={"name": "Đỗ Thị Hoa"},
            result={
                "class": "average",
                "standard": "nd07-2021",
                "deprived": [],
                "income_per_capita": 2_000_000,
            },
            note=None,
            now=NOV,
            actor="test",
        )
        new.submission.status = "hamlet_reviewed"
        ref = new.submission.ref
    r = await client.get(
        LIST,
        params={"kind": "exit_registration", "status": "hamlet_reviewed"},
        headers=bearer(tokens.giavien),
    )
    assert [s["ref"] for s in r.json()["items"]] == [ref] and r.json()["items"][0]["pending"]
    r = await client.post(
        f"{LIST}/{ref}/decision",
        json={"decision": "reject", "reason": "Income not confirmed"},
        headers=bearer(tokens.giavien),
    )
    assert r.status_code == 200 and r.json()["submission"]["status"] == "rejected"
    [message] = await _outbox(services)
    assert message.chat_id == "h1"
    assert message.text == (
        f"Registration to exit poverty {ref} (Đỗ Thị Hoa): rejected by the commune. "
        "Reason: Income not confirmed"
    )


async def test_a_serve_worker_leaves_the_notice_to_the_schedulers_sender(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    """`chungtay serve` workers have no deliver hook: the decision's notice waits in the outbox
    for the one sender (in `chungtay scheduler`), which keeps the bot's single rate limit."""
    services.conversations.deliver = None
    sent: list[object] = []
    services.sender.kick = lambda: sent.append(1)  # type: ignore[method-assign]
    ref = await _pending(services, locale="vi")
    await _meeting_passes(services, ref)
    r = await client.post(
        f"{LIST}/{ref}/decision", json={"decision": "approve"}, headers=bearer(tokens.giavien)
    )
    assert r.status_code == 200, r.text
    [message] = await _outbox(services)
    assert message.status == "pending" and not sent
