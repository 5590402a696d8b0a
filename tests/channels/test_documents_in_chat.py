"""Documents in chat, through the real channels: the officer asks /dotrasoat for the draft
decision or the posting list and gets a file on Telegram (sendDocument, a multipart upload the
fake server reads back), a signed download link on Zalo (its Bot Platform sends no files) and in
the simulator. The link works until it expires, and not once altered."""

from __future__ import annotations

import io
from typing import Any

import httpx
from docx import Document
from openpyxl import load_workbook

from api.app import create_app
from bot.services import build_services
from bot.settings import Settings
from storage.db import transaction
from storage.models import ChannelAccount, Person
from storage.orgtree import unit_by_code
from tests.api.documents_round import build_round
from tests.channels.conftest import LiveApp, live_app, telegram_settings, zalo_settings
from tests.channels.fakes import FakeTelegram, FakeZalo
from tests.support import close_services, seed_units

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DRAFT = "Dự thảo quyết định (Word)"
POSTING_XLSX = "Danh sách niêm yết (Excel)"


async def officer_on(services: Any, channel: str, user: str) -> int:
    """The commune officer of Xã Gia Viễn, with a chat on `channel`."""
    async with transaction(services.sessionmaker) as db:
        commune = await unit_by_code(db, "37-GIAVIEN")
        person = Person(name="Cán bộ LĐ-TB&XH", role="officer", org_unit_id=commune.id)  # type: ignore[union-attr]
        db.add(person)
        await db.flush()
        db.add(
            ChannelAccount(
                channel=channel, external_user_id=user, chat_id=user, person_id=person.id
            )  # type: ignore[arg-type]
        )
        return person.id  # type: ignore[return-value]


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


async def test_telegram_sends_the_draft_decision_as_a_file(
    settings: Settings, clock: Any, fake_telegram: FakeTelegram
) -> None:
    fake, user = fake_telegram, 7001
    async with live_app(settings, clock, **telegram_settings(fake)) as live:
        await build_round(live.services, decide_it=False)
        await officer_on(live.services, "telegram", str(user))
        fake.queue(fake.text("/dotrasoat", user=user))
        card = await fake.wait_for(
            lambda: next((m for m in fake.sent(user) if fake.buttons(m)), None)
        )
        buttons = dict(fake.buttons(card))
        assert DRAFT in buttons and POSTING_XLSX in buttons
        fake.queue(fake.press(buttons[DRAFT], message_id=card["message_id"], user=user))
        [upload] = await fake.wait_for(lambda: fake.documents(user))
        sent = upload["document"]
        assert sent["filename"] == "Dự thảo quyết định Xã Gia Viễn 2026.docx"
        assert upload["caption"] == "Dự thảo quyết định công nhận của xã"
        text = docx_text(sent["content"])
        assert "Số: …/QĐ-UBND" in text and "Lê Thị Cúc" in text and "{{" not in text
        # Then the words and the card again, whose buttons are the last message's.
        await fake.wait_for(lambda: any("Văn bản đây" in m["text"] for m in fake.sent(user)))
        last_text = fake.called("sendMessage")[-1]
        assert fake.called("sendDocument")[0].at < last_text.at
        # The upload is the one call not sent as JSON: a file needs a multipart body.
        assert fake.called("sendDocument")[0].content_type == "multipart/form-data"
        assert last_text.content_type == "application/json"

        # The card again, after the document: its buttons answer the new question.
        cards = await fake.wait_for(lambda: _cards(fake, user)[1:])
        again = cards[-1]
        xlsx = dict(fake.buttons(again))[POSTING_XLSX]
        fake.queue(fake.press(xlsx, message_id=again["message_id"], user=user))
        await fake.wait_for(lambda: len(fake.documents(user)) == 2)
        workbook = fake.documents(user)[1]["document"]
        assert workbook["filename"] == "Danh sách niêm yết Xã Gia Viễn 2026.xlsx"
        ws = load_workbook(io.BytesIO(workbook["content"])).active
        assert ws is not None and ws["B8"].value == "Trần Văn Bình"


def _cards(fake: FakeTelegram, user: int) -> list[Any]:
    return [m for m in fake.sent(user) if fake.buttons(m)]


async def _zalo_link(live: LiveApp, fake: FakeZalo, user: str) -> str:
    await build_round(live.services, decide_it=False)
    await officer_on(live.services, "zalo", user)
    fake.queue(fake.text("/dotrasoat", user=user))
    card = await fake.wait_for(lambda: next((t for t in fake.sent(user) if DRAFT in t), None))
    number = next(line.split(".")[0] for line in card.splitlines() if DRAFT in line)
    fake.queue(fake.text(number, user=user))
    sent = await fake.wait_for(lambda: next((t for t in fake.sent(user) if "📎" in t), None))
    assert "(đường dẫn dùng được trong 24 giờ)" in sent
    url = next(w for w in sent.split() if w.startswith("http"))
    assert url.startswith("http://127.0.0.1:8000/api/v1/documents/download/")
    return url.removeprefix("http://127.0.0.1:8000")


async def test_zalo_gets_a_signed_link_that_expires(
    settings: Settings, clock: Any, fake_zalo: FakeZalo
) -> None:
    fake, user = fake_zalo, "zu-officer"
    async with live_app(settings, clock, **zalo_settings(fake)) as live:
        path = await _zalo_link(live, fake, user)
        assert not fake.called("sendDocument")  # the platform has no such method
        r = await live.http.get(path)  # no token: the signature is the permission
        assert r.status_code == 200 and r.headers["content-type"] == DOCX
        assert "Lê Thị Cúc" in docx_text(r.content)
        head, _, signature = path.rpartition(".")
        altered = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
        r = await live.http.get(altered)
        assert (r.status_code, r.json()) == (410, {"error": "link_expired"})
        clock.advance(hours=25)
        r = await live.http.get(path)
        assert (r.status_code, r.json()) == (410, {"error": "link_expired"})


async def test_simulator_shows_a_download_link(settings: Settings, clock: Any) -> None:
    services = build_services(settings, clock=clock)
    try:
        await seed_units(services)
        await build_round(services, decide_it=False)
        await officer_on(services, "simulator", "sim-officer")
        app = create_app(services, own_services=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

            async def say(**body: str) -> list[dict[str, Any]]:
                r = await http.post(
                    "/simulator/api/messages", json={"chat_id": "sim-officer", **body}
                )
                return r.json()["replies"]  # type: ignore[no-any-return]

            [card] = await say(text="/dotrasoat")
            choice = next(c["id"] for c in card["choices"] if c["label"] == DRAFT)
            replies = await say(choice=choice)
            [with_doc] = [m for m in replies if m.get("document")]
            assert with_doc["document"]["title"] == "Dự thảo quyết định công nhận của xã"
            url = with_doc["document"]["url"]
            assert url.startswith("/api/v1/documents/download/")  # served by this same app
            r = await http.get(url)
            assert r.status_code == 200 and "Lê Thị Cúc" in docx_text(r.content)
            assert replies[-1]["choices"], "the card comes back after the document"
    finally:
        await close_services(services)
