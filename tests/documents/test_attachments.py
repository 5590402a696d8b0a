"""Attachments between the engine and the channels: a step attaches a document by reference,
which survives the turn's held replies and the outbox; the meeting flow's hook makes the
minutes; a signed link names one document until it expires."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from docx import Document

from bot.services import Services
from conversations.engine import Engine
from conversations.model import Attachment, Inbound, Outbound, Session, Step, document_of, flow
from domain.i18n import Translator
from handlers.documents_actions import minutes_document
from handlers.inbound import decode, encode
from handlers.notify import Notice, pack, unpack
from tests.api.documents_round import build_round
from tests.support import seed_units

ATT = Attachment("decision", "docx", (("round", 7),), "Dự thảo")
NOW = datetime(2026, 11, 25, 2, tzinfo=UTC)


def test_a_step_attaches_the_document_an_action_returned() -> None:
    shown = flow(
        "show",
        "show",
        [
            Step("get", "action", action="get", save="got", next="sent"),
            Step("sent", "message", "Here", attach=document_of("got")),
        ],
        command="/show",
    )
    engine = Engine([shown])
    turn = engine.resume(Session(), Inbound(now=NOW, text="/show"), {})
    result = {"ok": True, "document": ATT.to_json()}
    turn = engine.resume(turn.session, Inbound(now=NOW, action_result=result), {})
    assert [m.attachment for m in turn.messages] == [ATT]


def test_held_replies_and_outbox_rows_keep_the_attachment() -> None:
    message = Outbound("Văn bản đây", (), ATT)
    assert decode(encode(message)) == message
    assert decode(["old reply", []]) == Outbound("old reply")  # replies held before
    assert unpack(message.text, pack(message)) == message
    assert unpack("plain", [["flow:review", "Xem"]]).attachment is None


def test_a_notice_titles_its_attachment_in_the_recipients_language() -> None:
    notice = Notice(
        1, "Decision No. {number}", {"number": "9/QĐ-UBND"},
        attachment=Attachment("decision", "docx", (("round", 7),), "Decision No. {number}"),
    )  # fmt: skip
    assert notice.render(Translator("vi")).attachment.title == "Quyết định số 9/QĐ-UBND"  # type: ignore[union-attr]


async def test_the_meeting_hook_gives_the_minutes(services: Services) -> None:
    await seed_units(services)
    data = await build_round(services)
    attachment = Attachment.from_json(minutes_document(data.meeting_id, locale="vi"))
    assert attachment is not None and attachment.title == "Biên bản họp bình xét của thôn"
    documents = services.documents
    assert documents is not None
    made = await documents.render(attachment)
    assert made.name == "Biên bản họp thôn Thôn Đông 2026-11-16.docx"
    doc = Document(io.BytesIO(made.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Chủ trì: Nguyễn Văn An, Trưởng thôn;" in text


async def test_a_link_names_one_document_until_it_expires(services: Services) -> None:
    documents = services.documents
    assert documents is not None
    token = documents.token(ATT)
    assert documents.verify(token) == ATT
    payload, _, signature = token.partition(".")
    other = Attachment("decision", "docx", (("round", 8),), "Dự thảo")
    forged = f"{documents.token(other).partition('.')[0]}.{signature}"
    assert documents.verify(forged) is None  # another record under the same signature
    assert documents.verify(f"{payload}.") is None and documents.verify("x") is None
    services.clock.advance(hours=documents.link_hours, seconds=1)  # type: ignore[attr-defined]
    assert documents.verify(token) is None
    assert documents.link_ttl == timedelta(hours=24)
