"""The reminder log: outbox rows about the token's hamlets or to its people, filtered by unit,
period, status and rule; another commune's rows are not shown."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx

from bot.services import Services
from domain.calendar import monthly
from storage.db import transaction
from storage.models_outbox import OutboxMessage
from storage.orgtree import unit_by_code
from storage.periods import ensure_period
from tests.api.conftest import Tokens, bearer
from tests.support import link_person

URL = "/api/v1/reminders"
DUE = datetime(2026, 11, 22, 1, tzinfo=UTC)  # 08:00 in Hà Nội


async def _log(services: Services) -> None:
    """Hamlet reminders in Gia Viễn and Kim Sơn, and a decision notice to a Gia Viễn person."""
    dong = await link_person(services, "hamlet_head", "37-GIAVIEN-01", "Nguyễn Văn An", "c1")
    tay = await link_person(services, "hamlet_head", "37-GIAVIEN-02", "Phạm Văn Dũng", None)
    bac = await link_person(services, "hamlet_head", "37-KIMSON-01", "Lê Văn Cường", "c3")
    async with transaction(services.sessionmaker) as db:
        period = await ensure_period(db, monthly(2026, 11))
        units = {
            c: await unit_by_code(db, c) for c in ("37-GIAVIEN-01", "37-GIAVIEN-02", "37-KIMSON-01")
        }
        rows = [
            ("hamlet_due_3d", dong, "37-GIAVIEN-01", "sent", None),
            ("hamlet_due_3d", tay, "37-GIAVIEN-02", "skipped", "no_linked_chat"),
            ("hamlet_due_3d", bac, "37-KIMSON-01", "sent", None),
        ]
        for rule, person, hamlet, status, reason in rows:
            db.add(
                OutboxMessage(
                    key=f"{rule}:{person}",
                    period_id=period.id,
                    rule=rule,
                    person_id=person,
                    hamlet_id=units[hamlet].id,  # type: ignore[union-attr]
                    channel="simulator" if reason is None else None,
                    text="Nhắc: còn 3 ngày",
                    due_at=DUE,
                    status=status,
                    reason=reason,
                    sent_at=DUE if status == "sent" else None,
                )
            )
        db.add(
            OutboxMessage(
                key="notice:1",
                rule="notice",
                person_id=dong,
                text="Đã duyệt",
                due_at=DUE.replace(hour=3),
            )
        )


async def test_the_log_in_scope_with_filters(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    await _log(services)
    gv = bearer(tokens.giavien)
    r = await client.get(URL, headers=gv)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 3
    assert [(m["rule"], m["person"]) for m in body["items"]] == [
        ("notice", "Nguyễn Văn An"),
        ("hamlet_due_3d", "Phạm Văn Dũng"),
        ("hamlet_due_3d", "Nguyễn Văn An"),
    ]
    skipped = body["items"][1]
    assert skipped["status"] == "skipped" and skipped["reason"] == "no_linked_chat"
    assert skipped["period"] == "2026-11" and skipped["hamlet_code"] == "37-GIAVIEN-02"
    r = await client.get(URL, params={"status": "skipped"}, headers=gv)
    assert [m["person"] for m in r.json()["items"]] == ["Phạm Văn Dũng"]
    r = await client.get(URL, params={"period": "2026-11"}, headers=gv)
    assert r.json()["total"] == 2  # the notice belongs to no period
    r = await client.get(URL, params={"rule": "notice"}, headers=gv)
    assert r.json()["total"] == 1
    r = await client.get(URL, params={"unit": "37-GIAVIEN-02"}, headers=gv)
    assert r.json()["total"] == 1
    r = await client.get(URL, headers=bearer(tokens.province))
    assert r.json()["total"] == 4
    r = await client.get(URL, params={"unit": "37-KIMSON"}, headers=gv)
    assert r.status_code == 403
    r = await client.get(URL, params={"period": "2020-01"}, headers=gv)
    assert r.status_code == 404
    r = await client.get(URL, params={"status": "lost"}, headers=gv)
    assert r.status_code == 422


async def test_the_log_as_csv(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    await _log(services)
    r = await client.get(
        "/api/v1/exports/reminders.csv",
        params={"status": "skipped"},
        headers=bearer(tokens.giavien),
    )
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Thời điểm gửi dự kiến", "Quy tắc", "Kỳ", "Người nhận"]
    assert rows[1][:4] == ["08:00 22/11/2026", "hamlet_due_3d", "2026-11", "Phạm Văn Dũng"]
    # In the officer's words, as the other lists: not the codes the JSON keeps.
    assert rows[1][6:8] == ["Không gửi", "Chưa liên kết kênh chat"]
